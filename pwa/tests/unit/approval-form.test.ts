import { describe, expect, it } from 'vitest'
import type { FormFieldDraft, FormFieldSchema } from '@/api/approvalTypes'
import { ApiError } from '@/api/http'
import {
  dateRangeDays,
  dateTimeHours,
  emptyValue,
  fieldPayload,
  firstErrorUnder,
  formPayload,
  initialValues,
  localIso,
  mapServerErrors,
  personIdsIn,
  rowErrors,
  tableTotal,
  toCents,
  validateForm,
  valuesFromCleaned,
  ymd,
  type FormMessages,
  type FormValues,
  type TableRow,
} from '@/lib/approvalForm'

/** The full server shape (FormFieldOut) of a field written short: not required, no placeholder. */
function serverField({ columns, ...field }: FormFieldDraft): FormFieldSchema {
  const full: FormFieldSchema = { required: false, placeholder: '', ...field }
  if (columns) full.columns = columns.map(serverField)
  return full
}

const LINES: FormFieldSchema = serverField({
  key: 'lines',
  label: '报销明细',
  type: 'table',
  required: true,
  min_rows: 1,
  total: 'amount',
  columns: [
    { key: 'item', label: '事项', type: 'text', required: true },
    { key: 'amount', label: '金额', type: 'money', required: true },
    { key: 'kind', label: '类别', type: 'select', options: ['交通', '住宿'] },
    { key: 'day', label: '日期', type: 'date' },
    { key: 'count', label: '人数', type: 'number', integer: true },
  ],
})

/** One field of every type (the leave + expense + meeting templates together). */
const FIELDS: FormFieldSchema[] = (
  [
    { key: 'reason', label: '请假事由', type: 'textarea', required: true },
    { key: 'title', label: '标题', type: 'text' },
    { key: 'people_count', label: '人数', type: 'number', integer: true, unit: '人' },
    { key: 'amount', label: '金额', type: 'money' },
    { key: 'day', label: '日期', type: 'date' },
    { key: 'leave', label: '请假时间', type: 'daterange', required: true, max_days: 30 },
    { key: 'slot', label: '会议时间', type: 'datetimerange' },
    { key: 'kind', label: '请假类型', type: 'select', options: ['事假', '病假', '年假'] },
    { key: 'tags', label: '标签', type: 'multiselect', options: ['紧急', '重要'] },
    { key: 'agent', label: '工作代理人', type: 'person' },
    { key: 'attendees', label: '参会人', type: 'person', multiple: true },
    { key: 'dept', label: '部门', type: 'department' },
    { key: 'files', label: '附件', type: 'attachment' },
    { key: 'room', label: '会议室', type: 'room' },
  ] satisfies FormFieldDraft[]
)
  .map(serverField)
  .concat(LINES)

const MSG: FormMessages = {
  required: (label) => `请填写${label}`,
  requiredPick: (label) => `请选择${label}`,
  money: (label) => `${label}最多两位小数`,
  minRows: (label, n) => `${label}至少${n}行`,
  maxDays: (label, n) => `${label}不超过${n}天`,
  rangeOrder: (label) => `${label}顺序不对`,
}

function filled(): FormValues {
  return {
    ...initialValues(FIELDS),
    reason: '  回老家  ',
    title: '请假',
    people_count: '12',
    amount: '1234.5',
    day: '2026-11-21',
    leave: { start: '2026-11-21', end: '2026-11-23' },
    slot: { start: '2026-11-21 09:00', end: '2026-11-21 11:30' },
    kind: '事假',
    tags: ['紧急'],
    agent: [{ id: 18, name: '李秀英' }],
    attendees: [
      { id: 17, name: '周建国' },
      { id: 19, name: '张晓明' },
    ],
    dept: { id: 5, name: '综合科' },
    files: [{ id: 'att_1', name: '证明.pdf', size: 1200, kind: 'file' }],
    room: { id: 2, name: '第一会议室' },
    lines: [
      { item: '高铁', amount: '350.50', kind: '交通', day: '2026-11-20', count: '2' },
      { item: '', amount: '', kind: '', day: '', count: '' },
      { item: '酒店', amount: '420', kind: '住宿', day: '', count: '' },
    ],
  }
}

describe('form values → payload (the "value sent" of docs/workflow.md)', () => {
  it('maps every field type', () => {
    const form = formPayload(FIELDS, filled())
    expect(form.reason).toBe('回老家')
    expect(form.title).toBe('请假')
    expect(form.people_count).toBe(12)
    expect(form.amount).toBe('1234.5')
    expect(form.day).toBe('2026-11-21')
    expect(form.leave).toEqual({ start: '2026-11-21', end: '2026-11-23' })
    expect(form.kind).toBe('事假')
    expect(form.tags).toEqual(['紧急'])
    expect(form.agent).toBe(18) // single person: an id
    expect(form.attendees).toEqual([17, 19]) // multiple: ids
    expect(form.dept).toBe(5)
    expect(form.files).toEqual(['att_1'])
    expect(form.room).toBe(2)
  })

  it('sends a datetime range as ISO datetimes with the device offset', () => {
    const slot = formPayload(FIELDS, filled()).slot as { start: string; end: string }
    expect(slot.start).toMatch(/^2026-11-21T09:00:00[+-]\d{2}:\d{2}$/)
    expect(slot.end).toMatch(/^2026-11-21T11:30:00[+-]\d{2}:\d{2}$/)
    expect(new Date(slot.start).getTime()).toBe(new Date(2026, 10, 21, 9, 0).getTime())
    expect(localIso('nonsense')).toBeNull()
  })

  it('sends table rows without empty ones, each cell mapped by its column type', () => {
    const lines = formPayload(FIELDS, filled()).lines
    expect(lines).toEqual([
      { item: '高铁', amount: '350.50', kind: '交通', day: '2026-11-20', count: 2 },
      { item: '酒店', amount: '420', kind: '住宿' },
    ])
  })

  it('leaves empty controls out', () => {
    const form = formPayload(FIELDS, initialValues(FIELDS))
    expect(form).toEqual({})
    expect(fieldPayload(serverField({ key: 'x', label: 'x', type: 'text' }), '   ')).toBeUndefined()
    expect(fieldPayload(serverField({ key: 'x', label: 'x', type: 'person' }), [])).toBeUndefined()
  })

  it('starts a table with min_rows empty rows', () => {
    const rows = emptyValue({ ...LINES, min_rows: 2 }) as TableRow[]
    expect(rows).toHaveLength(2)
    expect(rows[0]).toEqual({ item: '', amount: '', kind: '', day: '', count: '' })
  })
})

describe('computed facts', () => {
  it('counts date-range days with both ends included', () => {
    expect(dateRangeDays({ start: '2026-11-21', end: '2026-11-23' })).toBe(3)
    expect(dateRangeDays({ start: '2026-11-21', end: '2026-11-21' })).toBe(1)
    // across a month end and a DST-free UTC count
    expect(dateRangeDays({ start: '2026-02-27', end: '2026-03-02' })).toBe(4)
    expect(dateRangeDays({ start: '2026-11-23', end: '2026-11-21' })).toBeNull()
    expect(dateRangeDays({ start: '2026-11-21', end: '' })).toBeNull()
  })

  it('writes a day on the device clock as YYYY-MM-DD', () => {
    expect(ymd(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05')
    expect(ymd(new Date(2026, 10, 21))).toBe('2026-11-21')
  })

  it('counts datetime-range hours', () => {
    expect(dateTimeHours({ start: '2026-11-21 09:00', end: '2026-11-21 11:30' })).toBe(2.5)
    expect(dateTimeHours({ start: '2026-11-21 09:00', end: '2026-11-21 09:00' })).toBeNull()
  })

  it('sums the money column of a table exactly (cents, not floats)', () => {
    const rows = (filled().lines as TableRow[]).concat([{ amount: '0.1' }, { amount: '0.2' }])
    expect(tableTotal(LINES, rows)).toBe('770.80')
    expect(tableTotal(LINES, [])).toBe('0.00')
    expect(tableTotal(LINES, [{ amount: 'abc' }, { amount: '1.005' }])).toBe('0.00')
    expect(tableTotal({ ...LINES, total: undefined }, rows)).toBeNull()
    expect(toCents('12.3')).toBe(1230)
    expect(toCents(7)).toBe(700)
  })
})

describe('client-side check', () => {
  it('reports required fields, keyed like the server', () => {
    const errors = validateForm(FIELDS, initialValues(FIELDS), MSG)
    expect(errors).toEqual({
      reason: '请填写请假事由',
      leave: '请选择请假时间',
      lines: '请填写报销明细',
    })
  })

  it('asks to choose (请选择) what is picked, to fill in (请填写) what is typed', () => {
    const required = FIELDS.map((f) => ({ ...f, required: true }))
    const errors = validateForm(required, initialValues(required), MSG)
    expect(errors.kind).toBe('请选择请假类型')
    expect(errors.day).toBe('请选择日期')
    expect(errors.agent).toBe('请选择工作代理人')
    expect(errors.dept).toBe('请选择部门')
    expect(errors.room).toBe('请选择会议室')
    expect(errors.title).toBe('请填写标题')
    expect(errors.amount).toBe('请填写金额')
  })

  it('checks money decimals, table cells, range order and max days', () => {
    const values = filled()
    values.amount = '12.345'
    values.leave = { start: '2026-11-21', end: '2027-01-21' }
    values.slot = { start: '2026-11-21 10:00', end: '2026-11-21 09:00' }
    values.lines = [
      { item: '高铁', amount: '1.234', kind: '', day: '', count: '' },
      { item: '', amount: '5', kind: '', day: '', count: '' },
    ]
    expect(validateForm(FIELDS, values, MSG)).toEqual({
      amount: '金额最多两位小数',
      leave: '请假时间不超过30天',
      slot: '会议时间顺序不对',
      'lines.0.amount': '金额最多两位小数',
      'lines.1.item': '请填写事项',
    })
  })

  it('passes a complete form', () => {
    expect(validateForm(FIELDS, filled(), MSG)).toEqual({})
  })
})

describe('server errors → fields', () => {
  const invalid = new ApiError(400, 'invalid_form', '表单有误', {
    reason: '请填写请假事由',
    'lines.2.amount': '金额最多两位小数',
    leave: ['请假不能超过30天', '开始日期有误'],
    'chosen.n2': '请选择审批人',
    post_to: '您不是该群成员',
  })

  it('puts each message under its field (table cells by row and column)', () => {
    const mapped = mapServerErrors(invalid, FIELDS)
    expect(mapped.fields).toEqual({
      reason: '请填写请假事由',
      'lines.2.amount': '金额最多两位小数',
      leave: '请假不能超过30天；开始日期有误',
    })
    expect(mapped.chosen).toEqual({ n2: '请选择审批人' })
    expect(mapped.other).toEqual(['您不是该群成员'])
    expect(rowErrors(mapped.fields, 'lines', 2)).toEqual({ amount: '金额最多两位小数' })
    expect(firstErrorUnder(mapped.fields, 'lines')).toBe('金额最多两位小数')
    expect(firstErrorUnder(mapped.fields, 'title')).toBeUndefined()
  })

  it('accepts keys under `form.`', () => {
    const error = new ApiError(400, 'invalid_form', '表单有误', { 'form.reason': '太长了' })
    expect(mapServerErrors(error, FIELDS).fields).toEqual({ reason: '太长了' })
  })

  it('turns an error without fields into a notice', () => {
    const noAssignee = new ApiError(400, 'no_assignee', '未找到审批人:部门负责人审批')
    expect(mapServerErrors(noAssignee, FIELDS)).toEqual({
      fields: {},
      chosen: {},
      other: ['未找到审批人:部门负责人审批'],
    })
    expect(mapServerErrors(new ApiError(0, 'network', '网络连接失败'), FIELDS).other).toEqual([
      '网络连接失败',
    ])
  })
})

describe('stored values → controls (重新提交)', () => {
  it('restores every type from the cleaned form', () => {
    const cleaned = {
      reason: '回老家',
      people_count: 12,
      amount: '1234.50',
      leave: { start: '2026-11-21', end: '2026-11-23', days: 3 },
      slot: { start: '2026-11-21T01:00:00+00:00', end: '2026-11-21T03:30:00+00:00', hours: 2.5 },
      kind: '事假',
      tags: ['紧急'],
      agent: 18,
      attendees: [17, 19],
      dept: 5,
      files: [{ id: 'att_1', name: '证明.pdf', size: 1200, kind: 'file' }],
      room: 2,
      lines: { rows: [{ item: '高铁', amount: '350.50' }], total: '350.50' },
    }
    const names: Record<number, string> = { 17: '周建国', 18: '李秀英', 19: '张晓明' }
    const values = valuesFromCleaned(FIELDS, cleaned, {
      person: (id) => ({ id, name: names[id] ?? '' }),
      department: (id) => ({ id, name: '综合科' }),
      room: (id) => ({ id, name: '第一会议室' }),
    })
    expect(values.people_count).toBe('12')
    expect(values.agent).toEqual([{ id: 18, name: '李秀英' }])
    expect(values.dept).toEqual({ id: 5, name: '综合科' })
    expect(values.title).toBe('')
    // round trip: what we would send again equals what was sent
    const again = formPayload(FIELDS, values)
    expect(again.leave).toEqual({ start: '2026-11-21', end: '2026-11-23' })
    expect(again.attendees).toEqual([17, 19])
    expect(again.files).toEqual(['att_1'])
    expect(again.room).toBe(2)
    expect(again.lines).toEqual([{ item: '高铁', amount: '350.50' }])
    expect(new Date((again.slot as { start: string }).start).toISOString()).toBe(
      '2026-11-21T01:00:00.000Z',
    )
    expect(personIdsIn(FIELDS, cleaned).sort()).toEqual([17, 18, 19])
  })
})
