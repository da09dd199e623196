/**
 * 公文 registers itself with the platform: its 工作台 tile, its 待办 tab, its
 * chat card (the generic card with the urgency mark coloured) and its screens.
 */
import { defineAsyncComponent } from 'vue'
import { registerApp } from '../registry'
import { DOCUMENT_CARD, DOCUMENTS_APP } from './names'

registerApp({
  key: DOCUMENTS_APP,
  tiles: [
    {
      key: 'documents',
      route: 'documents',
      icon: 'description',
      color: '#d54941',
      label: 'workbench.documents',
      badge: { app: DOCUMENTS_APP },
      order: 5,
    },
  ],
  todoTab: {
    app: DOCUMENTS_APP,
    aliases: [DOCUMENT_CARD],
    icon: 'description',
    label: 'workbench.documents',
    order: 5,
  },
  cards: [
    {
      cardType: DOCUMENT_CARD,
      component: defineAsyncComponent(() => import('@/components/documents/DocumentCard.vue')),
    },
  ],
  routes: [
    {
      path: 'documents',
      name: 'documents',
      component: () => import('@/views/documents/DocumentsHomeView.vue'),
      meta: { tab: 'workbench' },
    },
    {
      path: 'documents/new',
      name: 'document-new',
      component: () => import('@/views/documents/DocumentDraftView.vue'),
      meta: { tab: 'workbench' },
    },
    {
      path: 'documents/:id(\\d+)',
      name: 'document',
      component: () => import('@/views/documents/DocumentDetailView.vue'),
      props: (route) => ({ id: Number(route.params.id), receipt: false }),
      meta: { tab: 'workbench' },
    },
    {
      path: 'documents/receipts/:id(\\d+)',
      name: 'document-receipt',
      component: () => import('@/views/documents/DocumentDetailView.vue'),
      props: (route) => ({ id: Number(route.params.id), receipt: true }),
      meta: { tab: 'workbench' },
    },
  ],
})
