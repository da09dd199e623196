/**
 * What pressing one of the detail's action buttons opens, what it sends, and
 * how the flow diagram reads a step. Pure functions; the screen renders them.
 *
 * Every action arrives fully described by the server (the shape cards use
 * too, lib/serverAction.ts): the opinion it asks for, a person, the next
 * handlers, 加签 positions, 退回 targets, a confirmation question. Nothing
 * here restates a server rule; only 重新提交 is read here, because it opens
 * the form again instead of a sheet.
 */
import type {
  ActionBody,
  ApprovalAction,
  ApprovalStatus,
  ApprovalTask,
  DetailStep,
} from '@/api/approvalTypes'
import {
  actionPayload,
  planServerAction,
  type ActionInput,
  type ActionPlan as ServerActionPlan,
} from './serverAction'

export { emptyInput, missingInput, type ActionInput, type ActionProblem } from './serverAction'

export interface ActionPlan extends ServerActionPlan {
  /**
   * Not a dialog: open the form again — `resubmit` for a returned request,
   * `copy` to file a rejected or withdrawn one anew (both 重新提交).
   */
  navigate: 'resubmit' | 'copy' | null
  /** The sheet (opinion / person / target / next handlers) is needed. */
  sheet: boolean
}

export const INITIATOR_TARGET = 'initiator'

export function planAction(entry: ApprovalAction): ActionPlan {
  const plan = planServerAction(entry)
  const navigate = entry.action === 'resubmit' || entry.action === 'copy' ? entry.action : null
  const sheet =
    navigate === null &&
    (plan.opinion !== 'none' ||
      plan.person ||
      plan.positions.length > 0 ||
      plan.targets.length > 0 ||
      plan.nextAssignees)
  return { ...plan, navigate, sheet }
}

/** `POST {id}/actions` body: only what this action takes. */
export function actionBody(plan: ActionPlan, input: ActionInput, saveOpinion = false): ActionBody {
  const { position, ...rest } = actionPayload(plan, input)
  const body: ActionBody = { ...rest }
  // The server offers 加签 positions as before/after only.
  if (position === 'before' || position === 'after') body.position = position
  if (saveOpinion && body.opinion) body.save_opinion = true
  return body
}

// --- display ----------------------------------------------------------------------------

/** Vant tag type per status (running=primary, approved=success, …). */
export function statusTagType(
  status: ApprovalStatus | string,
): 'primary' | 'success' | 'danger' | 'default' | 'warning' {
  switch (status) {
    case 'running':
      return 'primary'
    case 'approved':
      return 'success'
    case 'rejected':
      return 'danger'
    case 'returned':
      return 'warning'
    default:
      return 'default'
  }
}

/** Button type for an action: the server's `style`. */
export function actionButtonType(
  entry: Pick<ApprovalAction, 'style'>,
): 'primary' | 'danger' | 'warning' | 'default' {
  return entry.style
}

/** `stopped`: where a rejected or withdrawn request ended. */
export type StepState = 'done' | 'current' | 'stopped' | 'future' | 'skipped'

/**
 * What `stepState` reads of a step: the server's (`DetailStep`, whose `state` is always
 * set), or a step without a state of its own, read from its tasks.
 */
export type StepInput = Pick<DetailStep, 'type'> & {
  state?: string | null
  tasks?: Pick<ApprovalTask, 'state'>[]
}

/** Where a step of the detail stands (its own `state`, else read from its tasks). */
export function stepState(step: StepInput): StepState {
  switch (step.state) {
    case 'done':
      return 'done'
    case 'current':
    case 'active':
      return 'current'
    case 'future':
    case 'pending':
      return 'future'
    case 'skipped':
      return 'skipped'
    case 'stopped':
      return 'stopped'
    default:
      break
  }
  const tasks = step.tasks ?? []
  if (!tasks.length) return 'future'
  if (tasks.some((t) => t.state === 'pending' || t.state === 'waiting')) return 'current'
  if (tasks.some((t) => t.state === 'queued')) {
    return tasks.some((t) => t.state === 'done') ? 'current' : 'future'
  }
  if (tasks.some((t) => t.state === 'done')) return 'done'
  return 'skipped'
}

/**
 * States of the whole route. A CC step without tasks or a state of its own
 * counts as done once every step before it is done and the flow went past it
 * (a later step started, or the instance was approved).
 */
export function stepStates(route: StepInput[], status: ApprovalStatus | string): StepState[] {
  const states = route.map(stepState)
  route.forEach((step, i) => {
    if (step.type !== 'cc' || step.state || step.tasks?.length) return
    const before = states.slice(0, i).every((s) => s === 'done' || s === 'skipped')
    const after = states.slice(i + 1).some((s) => s === 'done' || s === 'current')
    if (before && (after || status === 'approved')) states[i] = 'done'
  })
  return states
}

/** The i18n key of an action / history verb (`approvals.verb.<action>`), if known. */
export const KNOWN_VERBS = [
  'submit',
  'approve',
  'reject',
  'return',
  'transfer',
  'add_sign',
  'comment',
  'urge',
  'withdraw',
  'resubmit',
  'cc',
  'auto_approve',
  'timeout',
] as const
