/**
 * What pressing one of the detail's action buttons opens, what it sends, and
 * how the flow diagram reads a step. Pure functions; the screen renders them.
 *
 * An action entry from the server may say what it needs (`needs_opinion`
 * = the opinion may not be empty, `needs_person`, `positions`, `targets`,
 * `needs_next_assignees`); whatever it leaves out defaults per action, as
 * docs/workflow.md describes the actions. An opinion is offered (optional)
 * for 同意/转办/加签 even when not required, as officials expect to write one.
 */
import type {
  ActionBody,
  ApprovalAction,
  ApprovalStatus,
  DetailStep,
  ReturnTarget,
} from '@/api/approvalTypes'

export type OpinionNeed = 'none' | 'optional' | 'required'

export interface ActionPlan {
  action: string
  /** Ask for an opinion: not at all, optionally, or it may not be empty. */
  opinion: OpinionNeed
  /** Pick one person (`user_id`). */
  person: boolean
  /** 加签: before/after choices (empty when not asked); `name` may be empty. */
  positions: PositionChoice[]
  /** 退回: the targets to choose from (empty when not asked). */
  targets: ReturnTarget[]
  /** Pick the next step's handlers (`next_assignees`). */
  nextAssignees: boolean
  /** Ask "are you sure?" and send (撤回). */
  confirm: boolean
  /** Not a dialog: open the form again (重新提交). */
  navigate: 'resubmit' | null
  /** The sheet (opinion / person / target / next handlers) is needed. */
  sheet: boolean
  /** Sent back as `task_id` when the server named the task. */
  taskId: number | null
}

export interface PositionChoice {
  id: 'before' | 'after'
  name: string
}

const DEFAULT_OPINION: Record<string, OpinionNeed> = {
  approve: 'optional',
  reject: 'required',
  return: 'required',
  transfer: 'optional',
  add_sign: 'optional',
  comment: 'required',
  urge: 'none',
  withdraw: 'none',
  resubmit: 'none',
}

export const INITIATOR_TARGET = 'initiator'

export function planAction(entry: ApprovalAction): ActionPlan {
  const action = entry.action
  let opinion: OpinionNeed = DEFAULT_OPINION[action] ?? 'none'
  if (action === 'comment')
    opinion = 'required' // a comment is its opinion
  else if (entry.opinion_required === false && opinion === 'required') opinion = 'optional'
  else if (entry.needs_opinion === true || entry.opinion_required === true) opinion = 'required'

  const person = entry.needs_person ?? (action === 'transfer' || action === 'add_sign')
  const positions: PositionChoice[] =
    action === 'add_sign'
      ? (entry.positions?.length ? entry.positions : (['before', 'after'] as const)).map((p) =>
          typeof p === 'string' ? { id: p, name: '' } : { id: p.id, name: p.name ?? '' },
        )
      : []
  const targets: ReturnTarget[] =
    action === 'return'
      ? entry.targets?.length
        ? entry.targets
        : [{ id: INITIATOR_TARGET, name: '' }]
      : []
  const nextAssignees = entry.needs_next_assignees === true
  const navigate = action === 'resubmit' ? 'resubmit' : null
  const confirm = action === 'withdraw'
  const sheet =
    navigate === null &&
    (opinion !== 'none' || person || positions.length > 0 || targets.length > 0 || nextAssignees)
  const taskId = typeof entry.task_id === 'number' ? entry.task_id : null
  return {
    action,
    opinion,
    person,
    positions,
    targets,
    nextAssignees,
    confirm,
    navigate,
    sheet,
    taskId,
  }
}

/** What the user filled in the sheet. */
export interface ActionInput {
  opinion: string
  userId: number | null
  position: 'before' | 'after' | null
  target: string | null
  nextAssignees: number[]
}

export function emptyInput(plan: ActionPlan): ActionInput {
  return {
    opinion: '',
    userId: null,
    position: plan.positions.length ? plan.positions[0]!.id : null,
    target: plan.targets.length ? plan.targets[0]!.id : null,
    nextAssignees: [],
  }
}

export type ActionProblem = 'opinion' | 'person' | 'target' | 'position' | 'nextAssignees'

/** The first thing missing before the action can be sent, or null. */
export function missingInput(plan: ActionPlan, input: ActionInput): ActionProblem | null {
  if (plan.targets.length && !input.target) return 'target'
  if (plan.positions.length && !input.position) return 'position'
  if (plan.person && input.userId === null) return 'person'
  if (plan.nextAssignees && input.nextAssignees.length === 0) return 'nextAssignees'
  if (plan.opinion === 'required' && !input.opinion.trim()) return 'opinion'
  return null
}

/** `POST {id}/actions` body: only what this action takes. */
export function actionBody(plan: ActionPlan, input: ActionInput, saveOpinion = false): ActionBody {
  const body: ActionBody = { action: plan.action }
  if (plan.taskId !== null) body.task_id = plan.taskId
  const opinion = input.opinion.trim()
  if (plan.opinion !== 'none' && opinion) body.opinion = opinion
  if (plan.targets.length && input.target) body.target = input.target
  if (plan.person && input.userId !== null) body.user_id = input.userId
  if (plan.positions.length && input.position) body.position = input.position
  if (plan.nextAssignees && input.nextAssignees.length)
    body.next_assignees = [...input.nextAssignees]
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

/** Button type for an action (the server's `style` first). */
export function actionButtonType(
  entry: ApprovalAction,
): 'primary' | 'danger' | 'warning' | 'default' {
  if (entry.style === 'primary' || entry.style === 'danger' || entry.style === 'warning')
    return entry.style
  if (entry.style) return 'default'
  if (entry.action === 'approve' || entry.action === 'resubmit') return 'primary'
  if (entry.action === 'reject') return 'danger'
  return 'default'
}

/** `stopped`: where a rejected or withdrawn request ended. */
export type StepState = 'done' | 'current' | 'stopped' | 'future' | 'skipped'

/** Where a step of the detail stands (its own `state`, else read from its tasks). */
export function stepState(step: DetailStep): StepState {
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
export function stepStates(route: DetailStep[], status: ApprovalStatus | string): StepState[] {
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
