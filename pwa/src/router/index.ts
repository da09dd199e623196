import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { appRoutes } from '@/apps'
import { useSessionStore } from '@/stores/session'

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true },
  },
  {
    path: '/',
    component: () => import('@/views/MainLayout.vue'),
    children: [
      { path: '', redirect: { name: 'chats' } },
      {
        path: 'chats',
        name: 'chats',
        component: () => import('@/views/ChatsView.vue'),
        meta: { tab: 'chats', tabbar: true },
      },
      {
        path: 'chats/:id(\\d+)',
        name: 'chat',
        component: () => import('@/views/ChatView.vue'),
        props: true,
        meta: { tab: 'chats' },
      },
      {
        path: 'chats/:id(\\d+)/info',
        name: 'chat-info',
        component: () => import('@/views/GroupInfoView.vue'),
        meta: { tab: 'chats' },
      },
      {
        path: 'search',
        name: 'search',
        component: () => import('@/views/SearchView.vue'),
        meta: { tab: 'chats' },
      },
      {
        path: 'pick',
        name: 'pick-people',
        component: () => import('@/views/PickPeopleView.vue'),
        meta: { tab: 'chats' },
      },
      {
        path: 'contacts',
        name: 'contacts',
        component: () => import('@/views/ContactsView.vue'),
        meta: { tab: 'contacts', tabbar: true },
      },
      {
        path: 'contacts/units/:unitId(\\d+)',
        name: 'unit',
        component: () => import('@/views/UnitView.vue'),
        meta: { tab: 'contacts' },
      },
      {
        path: 'contacts/departments/:departmentId(\\d+)',
        name: 'department',
        component: () => import('@/views/DepartmentView.vue'),
        meta: { tab: 'contacts' },
      },
      {
        path: 'people/:id(\\d+)',
        name: 'person',
        component: () => import('@/views/PersonView.vue'),
        meta: { tab: 'contacts' },
      },
      {
        path: 'workbench',
        name: 'workbench',
        component: () => import('@/views/WorkbenchView.vue'),
        meta: { tab: 'workbench', tabbar: true },
      },
      // Each card app's screens (apps/<app>/index.ts registers them).
      ...appRoutes(),
      {
        path: 'me',
        name: 'me',
        component: () => import('@/views/MeView.vue'),
        meta: { tab: 'me', tabbar: true },
      },
      {
        path: 'me/notifications',
        name: 'notification-settings',
        component: () => import('@/views/me/NotificationSettingsView.vue'),
        meta: { tab: 'me' },
      },
      {
        path: 'me/password',
        name: 'password',
        component: () => import('@/views/me/PasswordView.vue'),
        meta: { tab: 'me' },
      },
      {
        path: 'me/two-factor',
        name: 'two-factor',
        component: () => import('@/views/me/TwoFactorView.vue'),
        meta: { tab: 'me' },
      },
      {
        path: 'me/devices',
        name: 'devices',
        component: () => import('@/views/me/DevicesView.vue'),
        meta: { tab: 'me' },
      },
      {
        path: 'me/deliveries',
        name: 'deliveries',
        component: () => import('@/views/me/DeliveriesView.vue'),
        meta: { tab: 'me' },
      },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: { name: 'chats' } },
]

const router = createRouter({
  history: createWebHistory('/'),
  routes,
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  await session.bootstrap()
  const authed = session.status === 'authenticated'
  if (!to.meta.public && !authed) {
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  }
  if (to.name === 'login' && authed) return { name: 'chats' }
  return true
})

export default router
