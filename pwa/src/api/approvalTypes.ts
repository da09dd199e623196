/**
 * Wire shapes of the approvals and 待办 REST API (docs/workflow.md), named for the PWA.
 *
 * Generated from the server's schema (`schema.d.ts`, see types.ts). Written by
 * hand here only what the schema leaves open on purpose:
 * - the flow definition (`nodes`): the server declares it as free JSON that
 *   the workflow engine validates (`FlowNodesOut`, docs/workflow.md), so the
 *   editor's node types are the client's reading of that document;
 * - the field schema as the template editor drafts it (`FormFieldDraft`): the
 *   admin input declares fields as free objects that `approvals/forms.py`
 *   checks, and a draft lacks what the server fills in (`placeholder`, …);
 * - `ApprovalStatus`, the statuses the list screen filters by (the server
 *   sends `status` as a string with its Chinese `status_label`).
 */
import type { components } from './schema'
import type { ActionChoice, CardAction, QueryOf, RequestOf, ResponseOf } from './types'

type Schemas = components['schemas']

// --- form schema ------------------------------------------------------------------

export type FieldType = Schemas['TypeEnum']

/** One field of a template's form as the server sends it (`backend/approvals/forms.py`). */
export type FormFieldSchema = Schemas['FormFieldOut']

/** A field as the template editor drafts it: what the server fills in may be missing. */
export type FormFieldDraft = Omit<FormFieldSchema, 'required' | 'placeholder' | 'columns'> & {
  required?: boolean
  placeholder?: string
  columns?: FormFieldDraft[]
}

// --- flow definition (admin; free JSON in the schema, see above) ------------------------

export type AssigneeKind = 'users' | 'role' | 'dept_head' | 'leader' | 'chosen'
export type ApproverMode = 'sequential' | 'all' | 'any'
export type ConditionOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains'
export type UnitRole = 'leader' | 'clerk' | 'unit_admin' | 'staff'

export type Assignees = {
  kind: AssigneeKind
  users?: number[]
  role?: UnitRole
  levels?: number
  chooser?: 'initiator' | 'previous'
}

export type ApproverNode = {
  id: string
  type: 'approver'
  name: string
  assignees: Assignees
  mode: ApproverMode
  deadline_hours?: number | null
}

export type CcNode = {
  id: string
  type: 'cc'
  name: string
  assignees: Assignees
}

export type Condition = {
  field: string
  op: ConditionOp
  value: unknown
}

export type Branch = {
  name: string
  when: Condition | null
  nodes: FlowNode[]
}

export type ConditionNode = {
  id: string
  type: 'condition'
  name: string
  branches: Branch[]
}

export type FlowNode = ApproverNode | CcNode | ConditionNode

// --- templates --------------------------------------------------------------------

/** `GET templates` items. */
export type TemplateBrief = Schemas['TemplateOut']

/** A template with its form and flow (`GET templates/{id}`, the admin list and writes). */
export type Template = Omit<Schemas['TemplateDetailOut'], 'nodes'> & { nodes: FlowNode[] }

/** `GET admin/templates` items: the full template, `is_active` included. */
export type AdminTemplate = Template

type TemplateInput = RequestOf<'/api/v1/approvals/admin/templates', 'post'>

/** `POST/PUT admin/templates`: the editor's draft, every field filled in, of fields and nodes. */
export type AdminTemplateBody = Required<Omit<TemplateInput, 'fields' | 'nodes'>> & {
  fields: FormFieldDraft[]
  nodes: FlowNode[]
}

// --- route (the flat list of steps a form takes) ------------------------------------------

/** A person as the approvals API shows them. */
export type ApprovalPerson = Schemas['PersonOut']

/** `POST templates/{id}/route` items. */
export type RouteStep = Schemas['RouteStepOut']

/** One task of a step in the detail: its person, state, result and when it was acted on. */
export type ApprovalTask = Schemas['TaskOut']

/** A step of the detail's `route`: the route step plus its state and tasks. */
export type DetailStep = Schemas['RouteStepStateOut']

// --- instances ----------------------------------------------------------------------

/** The statuses the list screen filters by (workflow `Instance.State`). */
export type ApprovalStatus = 'running' | 'approved' | 'rejected' | 'withdrawn' | 'returned'

export type ApprovalListQuery = QueryOf<'/api/v1/approvals', 'get'>
export type Box = ApprovalListQuery['box']

export type SummaryField = Schemas['LabelValueOut']
export type ApprovalSummary = Schemas['SummaryOut']
export type BoxCounts = Schemas['CountsOut']
export type ApprovalPage = Schemas['ListOut']

/** A display row of the detail's `fields`. */
export type DisplayField = Schemas['DisplayFieldOut']

/** One history entry (`workflow.HistoryEntry`; `action_label` is the server's word for it). */
export type HistoryEntry = Schemas['HistoryEntryOut']

export type ApprovalActionName = Schemas['ActInputActionEnum']
export type ReturnTarget = ActionChoice

/**
 * What the viewer may do (the detail's `actions`): the server-described
 * action shape shared with cards (api/types CardAction, docs/protocol.md).
 */
export type ApprovalAction = CardAction

export type ApprovalDetail = Schemas['DetailOut']
export type CreateApprovalBody = RequestOf<'/api/v1/approvals', 'post'>
/**
 * `POST {id}/actions`. `action` is sent back as the server described it in `actions`
 * (a string there, shared with cards); the server checks it against its own list.
 */
export type ActionBody = Omit<
  RequestOf<'/api/v1/approvals/{approval_id}/actions', 'post'>,
  'action'
> & {
  action: CardAction['action']
}
export type Opinion = Schemas['OpinionOut']
export type Room = Schemas['RoomOut']

// --- 待办 ----------------------------------------------------------------------

export type TodoList = ResponseOf<'/api/v1/todo', 'get'>
/** `total` and one number per app (`approvals`, later `documents`, `supervision`, …). */
export type TodoCounts = TodoList['counts']
export type TodoItem = Schemas['TodoItemOut']
