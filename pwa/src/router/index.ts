import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
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
      {
        path: 'todo',
        name: 'todo',
        component: () => import('@/views/TodoView.vue'),
        meta: { tab: 'workbench' },
      },
      {
        path: 'approvals',
        name: 'approvals',
        component: () => import('@/views/approvals/ApprovalsHomeView.vue'),
        meta: { tab: 'workbench' },
      },
      {
        path: 'approvals/new/:templateId(\\d+)',
        name: 'approval-new',
        component: () => import('@/views/approvals/ApprovalFormView.vue'),
        props: true,
        meta: { tab: 'workbench' },
      },
      {
        path: 'approvals/admin',
        name: 'approval-admin',
        component: () => import('@/views/approvals/TemplateAdminView.vue'),
        meta: { tab: 'workbench' },
      },
      {
        path: 'approvals/admin/:templateId(new|\\d+)',
        name: 'approval-admin-edit',
        component: () => import('@/views/approvals/TemplateEditView.vue'),
        props: true,
        meta: { tab: 'workbench' },
      },
      {
        path: 'approvals/:id(\\d+)',
        name: 'approval',
        component: () => import('@/views/approvals/ApprovalDetailView.vue'),
        props: true,
        meta: { tab: 'workbench' },
      },
      {
        path: 'me',
        name: 'me',
        component: () => import('@/views/MeView.vue'),
        meta: { tab: 'me', tabbar: true },
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
