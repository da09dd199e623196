/**
 * The template editor's data rules: new fields and flow nodes with fresh
 * keys / ids, what a field keeps when its type changes, which fields a
 * condition may test, and the checks worth doing before the server's.
 */
import type {
  AdminTemplateBody,
  Branch,
  Condition,
  ConditionOp,
  FieldType,
  FlowNode,
  FormFieldDraft,
} from '@/api/approvalTypes'

export const FIELD_TYPES: FieldType[] = [
  'text',
  'textarea',
  'number',
  'money',
  'date',
  'daterange',
  'datetimerange',
  'select',
  'multiselect',
  'person',
  'department',
  'attachment',
  'room',
  'table',
]

export const COLUMN_TYPES: FieldType[] = ['text', 'number', 'money', 'select', 'date']
export const OPS: ConditionOp[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains']
export const ROLES = ['leader', 'clerk', 'unit_admin', 'staff'] as const
export const MODES = ['sequential', 'all', 'any'] as const
export const KEY_PATTERN = /^[a-z][a-z0-9_]{0,31}$/

/** `field_1`, `field_2` … (the first not taken). */
export function nextKey(taken: Iterable<string>, base = 'field'): string {
  const used = new Set(taken)
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`
}

function typeDefaults(type: FieldType, taken: string[]): Partial<FormFieldDraft> {
  switch (type) {
    case 'select':
    case 'multiselect':
      return { options: [''] }
    case 'table':
      return {
        columns: [{ key: nextKey(taken, 'col'), label: '', type: 'text' }],
        min_rows: 1,
      }
    default:
      return {}
  }
}

export function newField(type: FieldType, taken: string[]): FormFieldDraft {
  return { key: nextKey(taken), label: '', type, required: false, ...typeDefaults(type, taken) }
}

/** A field with another type: keeps key, label, required, placeholder; options that still apply. */
export function changeType(field: FormFieldDraft, type: FieldType): FormFieldDraft {
  const next: FormFieldDraft = {
    key: field.key,
    label: field.label,
    type,
    required: field.required ?? false,
  }
  if (field.placeholder) next.placeholder = field.placeholder
  const keepOptions =
    (type === 'select' || type === 'multiselect') &&
    (field.type === 'select' || field.type === 'multiselect')
  if (keepOptions) next.options = [...(field.options ?? [''])]
  else Object.assign(next, typeDefaults(type, [field.key]))
  return next
}

/** An optional number a field may set (a limit); left empty, the field has none. */
export interface FieldLimit {
  key: 'max_length' | 'min' | 'max' | 'max_days' | 'min_rows' | 'max_rows'
  /** i18n key of its label. */
  label: string
  /** Vant's field type: `digit` for whole numbers. */
  type: 'digit' | 'number'
  /** The default, shown while empty. */
  placeholder?: string
}

/** The limits a field's type takes, in the editor's order (a table's are `ROW_LIMITS`). */
export function fieldLimits(field: FormFieldDraft): FieldLimit[] {
  switch (field.type) {
    case 'text':
    case 'textarea': {
      const placeholder = field.type === 'text' ? '200' : '2000'
      return [{ key: 'max_length', label: 'approvalAdmin.maxLength', type: 'digit', placeholder }]
    }
    case 'number':
    case 'money':
    case 'multiselect':
      return [
        { key: 'min', label: 'approvalAdmin.min', type: 'number' },
        { key: 'max', label: 'approvalAdmin.max', type: 'number' },
      ]
    case 'daterange':
      return [{ key: 'max_days', label: 'approvalAdmin.maxDays', type: 'digit' }]
    case 'attachment':
      return [{ key: 'max', label: 'approvalAdmin.maxFiles', type: 'digit', placeholder: '9' }]
    default:
      return []
  }
}

/** A table's row counts (shown after its columns). */
export const ROW_LIMITS: FieldLimit[] = [
  { key: 'min_rows', label: 'approvalAdmin.minRows', type: 'digit' },
  { key: 'max_rows', label: 'approvalAdmin.maxRows', type: 'digit' },
]

/** What a limit's input holds → the limit: a finite number, or none. */
export function parseLimit(text: string): number | undefined {
  const n = text === '' ? undefined : Number(text)
  return n === undefined || !Number.isFinite(n) ? undefined : n
}

// --- flow nodes --------------------------------------------------------------------------

export function allNodeIds(nodes: FlowNode[], out = new Set<string>()): Set<string> {
  for (const node of nodes) {
    out.add(node.id)
    if (node.type === 'condition') for (const b of node.branches) allNodeIds(b.nodes, out)
  }
  return out
}

export function nextNodeId(taken: Set<string>, prefix: string): string {
  for (let i = 1; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`
}

export function newNode(type: FlowNode['type'], taken: Set<string>, name = ''): FlowNode {
  if (type === 'approver')
    return {
      id: nextNodeId(taken, 'n'),
      type,
      name,
      assignees: { kind: 'dept_head' },
      mode: 'sequential',
    }
  if (type === 'cc')
    return { id: nextNodeId(taken, 'c'), type, name, assignees: { kind: 'role', role: 'clerk' } }
  return {
    id: nextNodeId(taken, 'b'),
    type,
    name,
    branches: [
      { name: '', when: { field: '', op: 'gt', value: '' }, nodes: [] },
      { name: '', when: null, nodes: [] },
    ],
  }
}

export function newBranch(): Branch {
  return { name: '', when: { field: '', op: 'eq', value: '' }, nodes: [] }
}

/** Move item `index` of `list` by `delta` (in place); false at the ends. */
export function move<T>(list: T[], index: number, delta: number): boolean {
  const target = index + delta
  if (target < 0 || target >= list.length) return false
  const [item] = list.splice(index, 1)
  list.splice(target, 0, item as T)
  return true
}

// --- conditions --------------------------------------------------------------------------

export type FactKind = 'number' | 'text' | 'list'

/** A field a condition may test, and what its fact is (docs/workflow.md "condition facts"). */
export interface ConditionField {
  key: string
  label: string
  type: FieldType
  fact: FactKind
  /** Shown after the label: `days` of a range, `total` of a table. */
  note: 'days' | 'hours' | 'total' | null
  options?: string[]
}

export function conditionFields(fields: FormFieldDraft[]): ConditionField[] {
  const out: ConditionField[] = []
  for (const f of fields) {
    const base = { key: f.key, label: f.label || f.key, type: f.type }
    if (f.type === 'number' || f.type === 'money') out.push({ ...base, fact: 'number', note: null })
    else if (f.type === 'daterange') out.push({ ...base, fact: 'number', note: 'days' })
    else if (f.type === 'datetimerange') out.push({ ...base, fact: 'number', note: 'hours' })
    else if (f.type === 'table' && f.total) out.push({ ...base, fact: 'number', note: 'total' })
    else if (f.type === 'select' || f.type === 'text')
      out.push({ ...base, fact: 'text', note: null, options: f.options })
    else if (f.type === 'multiselect')
      out.push({ ...base, fact: 'list', note: null, options: f.options })
  }
  return out
}

/** The operators that make sense for a fact. */
export function opsFor(fact: FactKind): ConditionOp[] {
  if (fact === 'number') return ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in']
  if (fact === 'list') return ['contains']
  return ['eq', 'ne', 'in', 'contains']
}

/** What the admin typed → the condition's `value` (numbers for numeric facts, lists for `in`). */
export function parseConditionValue(fact: FactKind, op: ConditionOp, text: string): unknown {
  const one = (s: string): unknown => {
    const v = s.trim()
    if (fact === 'number' && v !== '' && Number.isFinite(Number(v))) return Number(v)
    return v
  }
  if (op === 'in')
    return text
      .split(/[,，、]/)
      .map((s) => s.trim())
      .filter(Boolean)
      .map(one)
  return one(text)
}

export function conditionValueText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',')
  return value === undefined || value === null ? '' : String(value)
}

// --- checks -------------------------------------------------------------------------------

export interface TemplateMessages {
  needName: () => string
  needFields: () => string
  needLabel: (n: number) => string
  badKey: (key: string) => string
  dupKey: (key: string) => string
  needOptions: (label: string) => string
  needColumns: (label: string) => string
  needApprover: () => string
  needUsers: (name: string) => string
  needCondition: (name: string) => string
  needNodeName: () => string
}

function checkNodes(nodes: FlowNode[], msg: TemplateMessages, errors: string[]): number {
  let approvers = 0
  for (const node of nodes) {
    if (!node.name.trim()) errors.push(msg.needNodeName())
    if (node.type === 'approver') approvers += 1
    if (node.type === 'approver' || node.type === 'cc') {
      if (node.assignees.kind === 'users' && !node.assignees.users?.length)
        errors.push(msg.needUsers(node.name || node.id))
    } else {
      node.branches.forEach((branch, i) => {
        const last = i === node.branches.length - 1
        const when = branch.when as Condition | null
        if (!last && (!when || !when.field || when.value === '' || when.value === undefined))
          errors.push(msg.needCondition(node.name || node.id))
        approvers += checkNodes(branch.nodes, msg, errors)
      })
    }
  }
  return approvers
}

/** Problems the server would refuse anyway, said before the round trip. */
export function validateTemplate(body: AdminTemplateBody, msg: TemplateMessages): string[] {
  const errors: string[] = []
  if (!body.name.trim()) errors.push(msg.needName())
  if (!body.fields.length) errors.push(msg.needFields())
  const seen = new Set<string>()
  const checkField = (field: FormFieldDraft, n: number): void => {
    if (!field.label.trim()) errors.push(msg.needLabel(n))
    if (!KEY_PATTERN.test(field.key)) errors.push(msg.badKey(field.key))
    if (
      (field.type === 'select' || field.type === 'multiselect') &&
      !field.options?.some((o) => o.trim())
    )
      errors.push(msg.needOptions(field.label || field.key))
    if (field.type === 'table') {
      if (!field.columns?.length) errors.push(msg.needColumns(field.label || field.key))
      const columnKeys = new Set<string>()
      for (const column of field.columns ?? []) {
        if (!KEY_PATTERN.test(column.key)) errors.push(msg.badKey(column.key))
        if (columnKeys.has(column.key)) errors.push(msg.dupKey(column.key))
        columnKeys.add(column.key)
        if (column.type === 'select' && !column.options?.some((o) => o.trim()))
          errors.push(msg.needOptions(column.label || column.key))
      }
    }
  }
  body.fields.forEach((field, i) => {
    if (seen.has(field.key)) errors.push(msg.dupKey(field.key))
    seen.add(field.key)
    checkField(field, i + 1)
  })
  if (checkNodes(body.nodes, msg, errors) === 0) errors.push(msg.needApprover())
  return errors
}

/** The body to send: options trimmed, empty optional numbers dropped. */
export function cleanTemplate(body: AdminTemplateBody): AdminTemplateBody {
  const isSet = (value: unknown): boolean =>
    value !== undefined &&
    value !== null &&
    value !== '' &&
    !(typeof value === 'number' && !Number.isFinite(value))
  const cleanField = (field: FormFieldDraft): FormFieldDraft => {
    const kept = Object.fromEntries(Object.entries(field).filter(([, value]) => isSet(value)))
    const f: FormFieldDraft = {
      ...kept,
      key: field.key,
      type: field.type,
      label: field.label.trim(),
    }
    if (f.options) f.options = f.options.map((o) => o.trim()).filter(Boolean)
    if (f.columns) f.columns = f.columns.map(cleanField)
    if (f.type !== 'table') {
      delete f.columns
      delete f.min_rows
      delete f.max_rows
      delete f.total
    }
    return f
  }
  const facts = new Map(conditionFields(body.fields).map((f) => [f.key, f.fact]))
  // The editor keeps what the admin typed; numbers and lists are made here.
  const cleanWhen = (when: Condition | null): Condition | null => {
    if (!when) return null
    const value =
      typeof when.value === 'string'
        ? parseConditionValue(facts.get(when.field) ?? 'text', when.op, when.value)
        : when.value
    return { field: when.field, op: when.op, value }
  }
  const cleanNodes = (nodes: FlowNode[]): FlowNode[] =>
    nodes.map((node) => {
      if (node.type === 'condition')
        return {
          ...node,
          name: node.name.trim(),
          branches: node.branches.map((b, i) => ({
            name: b.name.trim(),
            when: i === node.branches.length - 1 ? null : cleanWhen(b.when),
            nodes: cleanNodes(b.nodes),
          })),
        }
      const assignees = { ...node.assignees }
      if (assignees.kind !== 'users') delete assignees.users
      if (assignees.kind !== 'role') delete assignees.role
      if (assignees.kind !== 'leader') delete assignees.levels
      if (assignees.kind !== 'chosen') delete assignees.chooser
      if (node.type === 'approver') {
        const out = { ...node, name: node.name.trim(), assignees }
        if (!out.deadline_hours) delete out.deadline_hours
        return out
      }
      return { ...node, name: node.name.trim(), assignees }
    })
  return {
    name: body.name.trim(),
    icon: body.icon,
    category: body.category.trim(),
    description: body.description.trim(),
    fields: body.fields.map(cleanField),
    nodes: cleanNodes(body.nodes),
    is_active: body.is_active,
  }
}
