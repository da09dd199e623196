/**
 * A template's form on the client: what each control holds (`FieldValue`),
 * what is sent (`formPayload`, the "value sent" column of docs/workflow.md),
 * the required check, the server's field errors, and — for 重新提交 — the
 * way back from stored (cleaned) values to controls. Pure functions.
 */
import type { FormFieldSchema } from '@/api/approvalTypes'
import { ApiError } from '@/api/http'

export interface PickedPerson {
  id: number
  name: string
  avatar?: string | null
}

/** A department or a meeting room. */
export interface PickedRef {
  id: number
  name: string
}

export interface UploadedFile {
  id: string
  name: string
  size?: number
  kind?: string
}

/** `YYYY-MM-DD` each (empty while not picked). */
export interface DateRangeValue {
  start: string
  end: string
}

/** `YYYY-MM-DD HH:mm` each, local time (empty while not picked). */
export interface DateTimeRangeValue {
  start: string
  end: string
}

export type TableRow = Record<string, FieldValue>

export type FieldValue =
  | string
  | string[]
  | PickedPerson[]
  | PickedRef
  | UploadedFile[]
  | DateRangeValue
  | DateTimeRangeValue
  | TableRow[]
  | null

export type FormValues = Record<string, FieldValue>

const pad = (n: number) => String(n).padStart(2, '0')

/** `YYYY-MM-DD` of a date on this device's clock. */
export function ymd(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

// --- defaults ---------------------------------------------------------------------

export function emptyRow(columns: FormFieldSchema[]): TableRow {
  const row: TableRow = {}
  for (const column of columns) row[column.key] = emptyValue(column)
  return row
}

export function emptyValue(field: FormFieldSchema): FieldValue {
  switch (field.type) {
    case 'multiselect':
    case 'person':
    case 'attachment':
      return []
    case 'department':
    case 'room':
      return null
    case 'daterange':
    case 'datetimerange':
      return { start: '', end: '' }
    case 'table': {
      const rows = Math.max(1, field.min_rows ?? 1)
      return Array.from({ length: rows }, () => emptyRow(field.columns ?? []))
    }
    default:
      return ''
  }
}

export function initialValues(fields: FormFieldSchema[]): FormValues {
  const values: FormValues = {}
  for (const field of fields) values[field.key] = emptyValue(field)
  return values
}

// --- computed facts ----------------------------------------------------------------

function parseDay(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return null
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
}

/** Days of a date range, both ends included (the server's `days`); null if incomplete. */
export function dateRangeDays(range: DateRangeValue | null | undefined): number | null {
  if (!range) return null
  const start = parseDay(range.start)
  const end = parseDay(range.end)
  if (start === null || end === null || end < start) return null
  return Math.round((end - start) / 86_400_000) + 1
}

function parseLocal(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})/.exec(value)
  if (!m) return null
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
}

/** `YYYY-MM-DD HH:mm` (local) → ISO 8601 with this device's offset. */
export function localIso(value: string): string | null {
  const d = parseLocal(value)
  if (!d) return null
  const offset = -d.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  const abs = Math.abs(offset)
  return `${ymd(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** ISO datetime → `YYYY-MM-DD HH:mm` on this device's clock. */
export function isoToLocal(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return `${ymd(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Hours between the two ends (one decimal), null if incomplete or not after start. */
export function dateTimeHours(range: DateTimeRangeValue | null | undefined): number | null {
  if (!range) return null
  const start = parseLocal(range.start)
  const end = parseLocal(range.end)
  if (!start || !end || end <= start) return null
  return Math.round(((end.getTime() - start.getTime()) / 3_600_000) * 10) / 10
}

/** Yuan → integer cents (exact for ≤ 2 decimals); null if not a money amount. */
export function toCents(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : ''
  const m = /^\s*(-?)(\d+)(?:\.(\d{1,2}))?\s*$/.exec(text)
  if (!m) return null
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0') || 0)
  return m[1] ? -cents : cents
}

export function centsToString(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`
}

/** The live total of a table's money column `field.total` ("1234.50"), or null. */
export function tableTotal(
  field: FormFieldSchema,
  rows: TableRow[] | null | undefined,
): string | null {
  if (!field.total) return null
  let sum = 0
  for (const row of rows ?? []) sum += toCents(row[field.total]) ?? 0
  return centsToString(sum)
}

// --- emptiness and payload -----------------------------------------------------------

function isRowEmpty(columns: FormFieldSchema[], row: TableRow): boolean {
  return columns.every((column) => isEmptyValue(column, row[column.key]))
}

export function isEmptyValue(field: FormFieldSchema, value: FieldValue | undefined): boolean {
  if (value === null || value === undefined) return true
  if (typeof value === 'string') return value.trim() === ''
  if (Array.isArray(value)) {
    if (field.type === 'table')
      return (value as TableRow[]).every((row) => isRowEmpty(field.columns ?? [], row))
    return value.length === 0
  }
  if (field.type === 'daterange' || field.type === 'datetimerange') {
    const range = value as DateRangeValue
    return !range.start && !range.end
  }
  return false
}

/**
 * What one control sends (docs/workflow.md "value sent"); `undefined` for an
 * empty control, which is then left out of the form.
 */
export function fieldPayload(field: FormFieldSchema, value: FieldValue | undefined): unknown {
  if (isEmptyValue(field, value)) return undefined
  switch (field.type) {
    case 'text':
    case 'textarea':
    case 'date':
    case 'select':
      return String(value).trim()
    case 'number': {
      const n = Number(String(value).trim())
      return Number.isFinite(n) ? n : String(value).trim()
    }
    case 'money':
      // A string keeps the exact decimals (「1234.50」); the server checks ≤ 2.
      return String(value).trim()
    case 'daterange': {
      const range = value as DateRangeValue
      return { start: range.start, end: range.end }
    }
    case 'datetimerange': {
      const range = value as DateTimeRangeValue
      return { start: localIso(range.start) ?? range.start, end: localIso(range.end) ?? range.end }
    }
    case 'multiselect':
      return [...(value as string[])]
    case 'person': {
      const ids = (value as PickedPerson[]).map((p) => p.id)
      return field.multiple ? ids : ids[0]
    }
    case 'department':
    case 'room':
      return (value as PickedRef).id
    case 'attachment':
      return (value as UploadedFile[]).map((f) => f.id)
    case 'table': {
      const columns = field.columns ?? []
      return (value as TableRow[])
        .filter((row) => !isRowEmpty(columns, row))
        .map((row) => {
          const out: Record<string, unknown> = {}
          for (const column of columns) {
            const cell = fieldPayload(column, row[column.key])
            if (cell !== undefined) out[column.key] = cell
          }
          return out
        })
    }
    default:
      return value
  }
}

/** The `form` of a create / route / resubmit request. */
export function formPayload(
  fields: FormFieldSchema[],
  values: FormValues,
): Record<string, unknown> {
  const form: Record<string, unknown> = {}
  for (const field of fields) {
    const value = fieldPayload(field, values[field.key])
    if (value !== undefined) form[field.key] = value
  }
  return form
}

// --- client-side check ------------------------------------------------------------------

/** Field types filled by picking (a picker, a calendar, a chooser): 「请选择…」, not 「请填写…」. */
const PICKED_TYPES = new Set([
  'date',
  'daterange',
  'datetimerange',
  'select',
  'multiselect',
  'person',
  'department',
  'room',
])

export function isPickedField(field: FormFieldSchema): boolean {
  return PICKED_TYPES.has(field.type)
}

export interface FormMessages {
  required: (label: string) => string
  /** A required field filled by picking is empty (「请选择请假类型」). */
  requiredPick: (label: string) => string
  money: (label: string) => string
  minRows: (label: string, n: number) => string
  maxDays: (label: string, n: number) => string
  rangeOrder: (label: string) => string
}

/**
 * Required fields, money decimals, table rows and date-range order. Errors are
 * keyed as the server keys them: `reason`, `lines.2.amount`.
 */
export function validateForm(
  fields: FormFieldSchema[],
  values: FormValues,
  msg: FormMessages,
): Record<string, string> {
  const errors: Record<string, string> = {}
  const check = (field: FormFieldSchema, value: FieldValue | undefined, path: string): void => {
    const missing = isPickedField(field) ? msg.requiredPick : msg.required
    if (isEmptyValue(field, value)) {
      if (field.required) errors[path] = missing(field.label)
      return
    }
    if (field.type === 'money' && toCents(value) === null) errors[path] = msg.money(field.label)
    if (field.type === 'daterange' || field.type === 'datetimerange') {
      const range = value as DateRangeValue
      if (!range.start || !range.end) {
        errors[path] = missing(field.label)
        return
      }
      const ok = field.type === 'daterange' ? dateRangeDays(range) : dateTimeHours(range)
      if (ok === null) errors[path] = msg.rangeOrder(field.label)
      else if (field.type === 'daterange' && field.max_days && ok > field.max_days)
        errors[path] = msg.maxDays(field.label, field.max_days)
    }
    if (field.type === 'table') {
      const columns = field.columns ?? []
      const rows = value as TableRow[]
      const filled = rows.filter((row) => !isRowEmpty(columns, row))
      if (field.min_rows && filled.length < field.min_rows)
        errors[path] = msg.minRows(field.label, field.min_rows)
      rows.forEach((row, index) => {
        if (isRowEmpty(columns, row)) return
        for (const column of columns)
          check(column, row[column.key], `${path}.${index}.${column.key}`)
      })
    }
  }
  for (const field of fields) check(field, values[field.key], field.key)
  return errors
}

// --- server errors -----------------------------------------------------------------------

export interface MappedErrors {
  /** By field path (`reason`, `lines.2.amount`), as `validateForm` keys them. */
  fields: Record<string, string>
  /** Flow-preview errors (`chosen`, `chosen.n2`), by step id or `''`. */
  chosen: Record<string, string>
  /** Whatever names no field on screen (shown as one notice). */
  other: string[]
}

function text(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map(text).filter(Boolean).join('；')
  if (value && typeof value === 'object') return Object.values(value).map(text).join('；')
  return value === undefined || value === null ? '' : String(value)
}

/**
 * `400 invalid_form` → messages under the right controls. A key names a field
 * when its first segment is a field key (`lines.2.amount` → the table `lines`,
 * row 2, column amount). Other errors (a code without fields, an unknown key)
 * end up in `other`.
 */
export function mapServerErrors(error: unknown, fields: FormFieldSchema[]): MappedErrors {
  const out: MappedErrors = { fields: {}, chosen: {}, other: [] }
  const keys = new Set(fields.map((f) => f.key))
  const raw = error instanceof ApiError ? error.fields : undefined
  if (raw && typeof raw === 'object' && Object.keys(raw).length) {
    for (const [key, value] of Object.entries(raw)) {
      const message = text(value)
      const top = key.split('.')[0] ?? key
      if (keys.has(top)) out.fields[key] = message
      else if (top === 'chosen') out.chosen[key.slice('chosen.'.length)] = message
      else if (top === 'form' && keys.has(key.split('.')[1] ?? ''))
        out.fields[key.slice('form.'.length)] = message
      else out.other.push(message)
    }
    if (!Object.keys(out.fields).length && !Object.keys(out.chosen).length && !out.other.length)
      out.other.push((error as ApiError).message)
  } else if (error instanceof Error) {
    out.other.push(error.message)
  } else {
    out.other.push(text(error))
  }
  return out
}

/** Errors of one table row, re-keyed by column (`lines.2.amount` → `amount`). */
export function rowErrors(
  errors: Record<string, string>,
  path: string,
  index: number,
): Record<string, string> {
  const prefix = `${path}.${index}.`
  const out: Record<string, string> = {}
  for (const [key, message] of Object.entries(errors))
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = message
  return out
}

/** The first error of a field and its children (`lines` or `lines.*`). */
export function firstErrorUnder(errors: Record<string, string>, key: string): string | undefined {
  return errors[key] ?? Object.entries(errors).find(([k]) => k.startsWith(`${key}.`))?.[1]
}

// --- back from stored values (重新提交) ---------------------------------------------------------

export interface Lookup {
  person?: (id: number) => PickedPerson | undefined
  department?: (id: number) => PickedRef | undefined
  room?: (id: number) => PickedRef | undefined
}

function asId(value: unknown): number | null {
  if (typeof value === 'number') return value
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'number')
    return (value as { id: number }).id
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return null
}

function refOf(
  value: unknown,
  find: ((id: number) => PickedRef | undefined) | undefined,
): PickedRef | null {
  const id = asId(value)
  if (id === null) return null
  const name =
    value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string'
      ? (value as { name: string }).name
      : undefined
  return find?.(id) ?? { id, name: name ?? String(id) }
}

/** A stored (cleaned) value → what its control holds. Names come from `lookup` where known. */
export function valueFromCleaned(
  field: FormFieldSchema,
  cleaned: unknown,
  lookup: Lookup = {},
): FieldValue {
  if (cleaned === undefined || cleaned === null || cleaned === '') return emptyValue(field)
  switch (field.type) {
    case 'text':
    case 'textarea':
    case 'date':
    case 'select':
    case 'number':
    case 'money':
      return String(cleaned)
    case 'daterange': {
      const range = cleaned as Partial<DateRangeValue>
      return { start: range.start ?? '', end: range.end ?? '' }
    }
    case 'datetimerange': {
      const range = cleaned as Partial<DateTimeRangeValue>
      return {
        start: range.start ? isoToLocal(range.start) : '',
        end: range.end ? isoToLocal(range.end) : '',
      }
    }
    case 'multiselect':
      return Array.isArray(cleaned) ? cleaned.map(String) : [String(cleaned)]
    case 'person': {
      const list = Array.isArray(cleaned) ? cleaned : [cleaned]
      return list
        .map((item) => {
          const ref = refOf(item, lookup.person)
          return ref ? (lookup.person?.(ref.id) ?? ref) : null
        })
        .filter((p): p is PickedPerson => p !== null)
    }
    case 'department':
      return refOf(cleaned, lookup.department)
    case 'room':
      return refOf(cleaned, lookup.room)
    case 'attachment':
      return (Array.isArray(cleaned) ? cleaned : []).map((item) =>
        typeof item === 'object' && item
          ? {
              id: String((item as UploadedFile).id),
              name: String((item as UploadedFile).name ?? ''),
              size: (item as UploadedFile).size,
              kind: (item as UploadedFile).kind,
            }
          : { id: String(item), name: String(item) },
      )
    case 'table': {
      const rows = Array.isArray(cleaned) ? cleaned : ((cleaned as { rows?: unknown[] }).rows ?? [])
      const columns = field.columns ?? []
      const out = rows.map((row) => {
        const values: TableRow = {}
        for (const column of columns)
          values[column.key] = valueFromCleaned(
            column,
            (row as Record<string, unknown>)[column.key],
            lookup,
          )
        return values
      })
      return out.length ? out : (emptyValue(field) as TableRow[])
    }
    default:
      return emptyValue(field)
  }
}

export function valuesFromCleaned(
  fields: FormFieldSchema[],
  form: Record<string, unknown>,
  lookup: Lookup = {},
): FormValues {
  const values: FormValues = {}
  for (const field of fields) values[field.key] = valueFromCleaned(field, form[field.key], lookup)
  return values
}

/** Person ids in stored values (to fetch their names before prefilling). */
export function personIdsIn(fields: FormFieldSchema[], form: Record<string, unknown>): number[] {
  const ids = new Set<number>()
  const visit = (field: FormFieldSchema, value: unknown): void => {
    if (value === undefined || value === null) return
    if (field.type === 'person') {
      for (const item of Array.isArray(value) ? value : [value]) {
        const id = asId(item)
        if (id !== null) ids.add(id)
      }
    } else if (field.type === 'table') {
      const rows = Array.isArray(value) ? value : ((value as { rows?: unknown[] }).rows ?? [])
      for (const row of rows)
        for (const column of field.columns ?? [])
          visit(column, (row as Record<string, unknown>)[column.key])
    }
  }
  for (const field of fields) visit(field, form[field.key])
  return [...ids]
}
