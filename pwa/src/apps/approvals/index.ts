/**
 * 审批 registers itself with the platform: its 工作台 tile, its 待办 tab and
 * its screens. Its chat card (`approval`) registers no component of its own:
 * the chat's generic action card draws it, since the server describes every
 * field and button (realtime/cards.py). An app whose card needs more adds
 * `cards: [{ cardType, component }]` here.
 */
import { statusTagType } from '@/lib/approvalActions'
import { registerApp } from '../registry'
import { APPROVAL_CARD, APPROVALS_APP } from './names'

registerApp({
  key: APPROVALS_APP,
  tiles: [
    {
      key: 'approvals',
      route: 'approvals',
      icon: 'todo-list-o',
      label: 'workbench.approvals',
      badge: { app: APPROVALS_APP },
      order: 10,
    },
  ],
  // The card's status tag in the detail page's colours (components/approval/StatusTag.vue).
  cardTones: [{ cardType: APPROVAL_CARD, tone: statusTagType }],
  todoTab: {
    app: APPROVALS_APP,
    aliases: [APPROVAL_CARD],
    icon: 'todo-list-o',
    label: 'workbench.approvals',
    order: 10,
  },
  routes: [
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
  ],
})
