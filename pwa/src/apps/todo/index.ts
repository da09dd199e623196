/** 待办 is the platform's own tile: every app's waiting items in one list. */
import { registerApp } from '../registry'

registerApp({
  key: 'todo',
  tiles: [
    {
      key: 'todo',
      route: 'todo',
      icon: 'bell',
      color: '#e37318',
      label: 'workbench.todo',
      badge: 'total',
      order: 90,
    },
  ],
  routes: [
    {
      path: 'todo',
      name: 'todo',
      component: () => import('@/views/TodoView.vue'),
      meta: { tab: 'workbench' },
    },
  ],
})
