/**
 * A server-described action (a card button, an approval detail button):
 * what pressing it asks for, what is still missing, and what it sends. The
 * server says everything — opinion none/optional/required and its label, a
 * person, the next handlers, 加签 positions, 退回 targets, a confirmation
 * question, whether it may be pressed now — so nothing here knows an app's
 * rules. Pure functions; the screens render them.
 */
import type { ActionChoice, CardAction, OpinionNeed } from '@/api/types'

export interface ActionPlan {
  action: string
  /** Ask for an opinion: not at all, optionally, or it may not be empty. */
  opinion: OpinionNeed
  /** The opinion field's label, as the server words it. */
  opinionLabel: string
  /** Pick one person (`user_id`). */
  person: boolean
  /** 加签: before/after choices (empty when not asked). */
  positions: ActionChoice[]
  /** 退回: the targets to choose from (empty when not asked). */
  targets: ActionChoice[]
  /** Pick the next step's handlers (`next_assignees`). */
  nextAssignees: boolean
  /** Ask "are you sure?" before sending, with `confirmText`. */
  confirm: boolean
  confirmText: string
  /** May be pressed now; else `disabledReason` says why. */
  enabled: boolean
  disabledReason: string
  /** Sent back as `task_id` when the server named the task. */
  taskId: number | null
}

export function planServerAction(entry: CardAction): ActionPlan {
  return {
    action: entry.action,
    opinion: entry.opinion,
    opinionLabel: entry.opinion_label,
    person: entry.needs_person,
    positions: entry.positions,
    targets: entry.targets,
    nextAssignees: entry.needs_next_assignees,
    confirm: entry.confirm !== '',
    confirmText: entry.confirm,
    enabled: entry.enabled,
    disabledReason: entry.disabled_reason,
    taskId: entry.task_id,
  }
}

/** What the user filled in. */
export interface ActionInput {
  opinion: string
  userId: number | null
  position: string | null
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

/** What an action sends besides its name: only what this action takes. */
export interface ActionPayload {
  action: string
  task_id?: number
  opinion?: string
  target?: string
  user_id?: number
  position?: string
  next_assignees?: number[]
}

export function actionPayload(plan: ActionPlan, input: ActionInput): ActionPayload {
  const body: ActionPayload = { action: plan.action }
  if (plan.taskId !== null) body.task_id = plan.taskId
  const opinion = input.opinion.trim()
  if (plan.opinion !== 'none' && opinion) body.opinion = opinion
  if (plan.targets.length && input.target) body.target = input.target
  if (plan.person && input.userId !== null) body.user_id = input.userId
  if (plan.positions.length && input.position) body.position = input.position
  if (plan.nextAssignees && input.nextAssignees.length)
    body.next_assignees = [...input.nextAssignees]
  return body
}

/**
 * How an action this viewer may not press now still shows (the server says
 * `enabled: false` and why): marked `is-unavailable` (dimmed by the screen),
 * aria-disabled, and the reason as its tooltip. Bind with `v-bind`.
 */
export function availabilityAttrs(action: { enabled: boolean; disabled_reason: string }) {
  return {
    class: { 'is-unavailable': !action.enabled },
    'aria-disabled': !action.enabled,
    title: action.enabled ? undefined : action.disabled_reason,
  }
}
