/**
 * Wire shapes of the approvals and 待办 REST API (docs/workflow.md).
 *
 * Where the contract leaves a shape open, the assumption is written next to
 * the field; every such field is optional so a leaner server still renders.
 */
import type { ActionChoice, OpinionNeed, PersonBrief } from './types'

// --- form schema ------------------------------------------------------------------

export type FieldType =
  | 'text'
  | 'textarea'
  | 'number'
  | 'money'
  | 'date'
  | 'daterange'
  | 'datetimerange'
  | 'select'
  | 'multiselect'
  | 'person'
  | 'department'
  | 'attachment'
  | 'room'
  | 'table'

/** One field of a template's form (`backend/approvals/forms.py`). */
export interface FormFieldSchema {
  key: string
  label: string
  type: FieldType
  required?: boolean
  placeholder?: string
  /** text / textarea */
  max_length?: number
  /** number / money / multiselect (count) */
  min?: number
  max?: number
  /** number */
  integer?: boolean
  unit?: string
  /** daterange */
  max_days?: number
  /** select / multiselect */
  options?: string[]
  /** person */
  multiple?: boolean
  /** table */
  columns?: FormFieldSchema[]
  min_rows?: number
  max_rows?: number
  /** table: key of a money column summed into `total` */
  total?: string
}

// --- flow definition (admin) --------------------------------------------------------

export type AssigneeKind = 'users' | 'role' | 'dept_head' | 'leader' | 'chosen'
export type ApproverMode = 'sequential' | 'all' | 'any'
export type ConditionOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains'
export type UnitRole = 'leader' | 'clerk' | 'unit_admin' | 'staff'

export interface Assignees {
  kind: AssigneeKind
  users?: number[]
  role?: UnitRole
  levels?: number
  chooser?: 'initiator' | 'previous'
}

export interface ApproverNode {
  id: string
  type: 'approver'
  name: string
  assignees: Assignees
  mode: ApproverMode
  deadline_hours?: number | null
}

export interface CcNode {
  id: string
  type: 'cc'
  name: string
  assignees: Assignees
}

export interface Condition {
  field: string
  op: ConditionOp
  value: unknown
}

export interface Branch {
  name: string
  when: Condition | null
  nodes: FlowNode[]
}

export interface ConditionNode {
  id: string
  type: 'condition'
  name: string
  branches: Branch[]
}

export type FlowNode = ApproverNode | CcNode | ConditionNode

// --- templates --------------------------------------------------------------------

export interface TemplateBrief {
  id: number
  code: string
  name: string
  /** A Vant icon name. */
  icon: string
  category: string
  description: string
}

export interface Template extends TemplateBrief {
  fields: FormFieldSchema[]
  nodes: FlowNode[]
}

/** `GET admin/templates` items (assumed: the full template plus `is_active`). */
export interface AdminTemplate extends Template {
  is_active: boolean
}

export interface AdminTemplateBody {
  name: string
  icon: string
  category: string
  description: string
  fields: FormFieldSchema[]
  nodes: FlowNode[]
  is_active: boolean
}

// --- route (the flat list of steps a form takes) ------------------------------------------

/** A person as the approvals API shows them (assumed: PersonBrief, maybe a title). */
export interface ApprovalPerson extends PersonBrief {
  title?: string
  department_name?: string
}

export type StepType = 'approver' | 'cc'

/** `POST templates/{id}/route` items. */
export interface RouteStep {
  id: string
  type: StepType
  name: string
  mode?: ApproverMode | null
  mode_label?: string
  assignees: ApprovalPerson[]
  /** Set when the step's people are picked (`chosen` assignees); `""` otherwise. */
  chooser?: 'initiator' | 'previous' | '' | null
}

export type TaskState = 'queued' | 'pending' | 'waiting' | 'done' | 'cancelled'

/**
 * One task of a step in the detail (assumed shape): its person, state,
 * result (`approve`/`reject`/`return`/`transfer`/…) and when it was acted on.
 */
export interface ApprovalTask {
  id: number
  assignee: ApprovalPerson
  state: TaskState
  state_label?: string | null
  result?: string | null
  result_label?: string | null
  opinion?: string | null
  /** 加签: where the added signer sits. */
  added_position?: 'before' | 'after' | '' | null
  opened_at?: string | null
  acted_at?: string | null
  due_at?: string | null
  overdue?: boolean
}

/**
 * A step of the detail's `route` (assumed): the route step plus its tasks and,
 * optionally, its own state. Without `state` the screen derives it from the tasks.
 */
export interface DetailStep extends RouteStep {
  state?: 'done' | 'current' | 'active' | 'stopped' | 'future' | 'pending' | 'skipped' | null
  tasks?: ApprovalTask[]
  deadline_hours?: number | null
}

// --- instances ----------------------------------------------------------------------

export type ApprovalStatus = 'running' | 'approved' | 'rejected' | 'withdrawn' | 'returned'
export type Box = 'todo' | 'done' | 'mine' | 'cc'

export interface SummaryField {
  label: string
  value: string
}

export interface ApprovalSummary {
  id: number
  number: string
  title: string
  template: { id: number; name: string; icon: string }
  initiator: ApprovalPerson
  status: ApprovalStatus
  status_label: string
  /** The open step's name (assumed a string; an object with `name` is accepted). */
  current_step: string | { id?: string; name: string } | null
  created_at: string
  finished_at: string | null
  summary_fields: SummaryField[]
  my_task_state?: TaskState | null
}

export interface BoxCounts {
  todo: number
  done: number
  mine: number
  cc: number
  cc_unread: number
}

export interface ApprovalPage {
  items: ApprovalSummary[]
  counts: BoxCounts
  /** Optional; without it the list stops at the first empty page. */
  has_more?: boolean
}

export interface ApprovalListQuery {
  box: Box
  status?: ApprovalStatus | ''
  template?: number
  q?: string
  before?: number
}

/** A display row of the detail's `fields` (assumed: label + text value, optional files). */
export interface DisplayField {
  key?: string
  label: string
  value: string
  type?: FieldType
  attachments?: { id: string; name: string; size?: number; url?: string }[]
}

/**
 * One history entry (assumed shape of `workflow.HistoryEntry` on the wire).
 * `action_label` wins over the client's own label for `action`.
 */
export interface HistoryEntry {
  seq: number
  step_id?: string | null
  step_name?: string | null
  actor: ApprovalPerson | null
  action: string
  action_label?: string | null
  opinion?: string | null
  data?: Record<string, unknown>
  /** When (the server sends `at`; `created_at` is accepted too). */
  at?: string
  created_at?: string
}

export type ApprovalActionName =
  | 'approve'
  | 'reject'
  | 'return'
  | 'transfer'
  | 'add_sign'
  | 'comment'
  | 'urge'
  | 'withdraw'
  | 'resubmit'

export interface ReturnTarget {
  /** `"initiator"` or an earlier step id. */
  id: string
  name: string
}

/**
 * What the viewer may do (the detail's `actions`): the server-described
 * action shape shared with cards (api/types CardAction, docs/protocol.md).
 */
export interface ApprovalAction {
  action: ApprovalActionName | string
  label: string
  style: 'primary' | 'danger' | 'warning' | 'default'
  /** May this viewer press it now (else `disabled_reason` says why, e.g. 催办). */
  enabled: boolean
  disabled_reason: string
  /** Ask for an opinion: not at all, optionally, or it may not be empty. */
  opinion: OpinionNeed
  /** The opinion field's label ("" when `opinion` is "none"). */
  opinion_label: string
  /** Kept for old clients: `opinion == "required"`. */
  needs_opinion: boolean
  /** Pick a person (`user_id`): 转办, 加签. */
  needs_person: boolean
  /** 同意 must name the next step's handlers (`chooser: "previous"`). */
  needs_next_assignees: boolean
  /** 自由流: the handler may pass the step on. */
  may_pass_on: boolean
  /** 加签: before/after, with their names; else []. */
  positions: ActionChoice[]
  /** 退回: where to; else []. */
  targets: ReturnTarget[]
  /** A question to confirm before sending (撤回), or "". */
  confirm: string
  /** The step those handlers are for. */
  next_step?: { id: string; name: string } | null
  /** The task this button acts on (sent back as `task_id`). */
  task_id: number | null
}

export interface ApprovalDetail extends ApprovalSummary {
  fields: DisplayField[]
  /** The form schema this request was filled in with (重新提交 uses it). */
  schema?: FormFieldSchema[]
  form: Record<string, unknown>
  route: DetailStep[]
  history: HistoryEntry[]
  actions: ApprovalAction[]
}

export interface CreateApprovalBody {
  template_id: number
  form: Record<string, unknown>
  chosen: Record<string, number[]>
  post_to?: number
  client_id: string
}

export interface ActionBody {
  action: string
  opinion?: string
  target?: string
  user_id?: number
  position?: 'before' | 'after'
  next_assignees?: number[]
  form?: Record<string, unknown>
  chosen?: Record<string, number[]>
  task_id?: number
  /** Also keep the opinion as a 常用意见. */
  save_opinion?: boolean
}

export interface Opinion {
  id: number
  text: string
}

export interface Room {
  id: number
  name: string
  capacity?: number | null
  location?: string | null
}

// --- 待办 ----------------------------------------------------------------------

export interface TodoCounts {
  total: number
  approvals: number
}

export interface TodoItem {
  /** Which app reported it (`approvals`, later `documents`, `supervision`, …). */
  app: string
  kind: string
  id: string | number
  title: string
  subtitle: string
  /** An in-app path (`/approvals/51`). */
  link: string
  created_at: string
  due_at: string | null
  overdue: boolean
}

export interface TodoList {
  items: TodoItem[]
  counts: TodoCounts
}
