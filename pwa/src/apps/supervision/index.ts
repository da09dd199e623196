/**
 * 督办 registers itself with the platform: its 工作台 tile, its 待办 tab, its
 * chat card (the generic card with the light shown as a coloured dot) and its
 * screens (lists, detail, create/split form, 看板).
 */
import { defineAsyncComponent } from 'vue'
import { registerApp } from '../registry'
import { SUPERVISION_APP, SUPERVISION_CARD } from './names'

registerApp({
  key: SUPERVISION_APP,
  tiles: [
    {
      key: 'supervision',
      route: 'supervision',
      icon: 'flag-o',
      color: '#e37318',
      label: 'workbench.supervision',
      badge: { app: SUPERVISION_APP },
      order: 15,
    },
  ],
  todoTab: {
    app: SUPERVISION_APP,
    icon: 'flag-o',
    label: 'workbench.supervision',
    order: 15,
  },
  cards: [
    {
      cardType: SUPERVISION_CARD,
      component: defineAsyncComponent(() => import('@/components/supervision/SupervisionCard.vue')),
    },
  ],
  routes: [
    {
      path: 'supervision',
      name: 'supervision',
      component: () => import('@/views/supervision/SupervisionHomeView.vue'),
      meta: { tab: 'workbench' },
    },
    {
      path: 'supervision/board',
      name: 'supervision-board',
      component: () => import('@/views/supervision/SupervisionBoardView.vue'),
      meta: { tab: 'workbench' },
    },
    {
      path: 'supervision/new',
      name: 'supervision-new',
      component: () => import('@/views/supervision/SupervisionFormView.vue'),
      props: { parentId: null },
      meta: { tab: 'workbench' },
    },
    {
      path: 'supervision/:id(\\d+)/split',
      name: 'supervision-split',
      component: () => import('@/views/supervision/SupervisionFormView.vue'),
      props: (route) => ({ parentId: Number(route.params.id) }),
      meta: { tab: 'workbench' },
    },
    {
      path: 'supervision/:id(\\d+)',
      name: 'supervision-task',
      component: () => import('@/views/supervision/SupervisionDetailView.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { tab: 'workbench' },
    },
  ],
})
