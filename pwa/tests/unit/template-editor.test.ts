import { describe, expect, it } from 'vitest'
import type { AdminTemplateBody, ConditionNode, FormFieldDraft } from '@/api/approvalTypes'
import {
  ROW_LIMITS,
  allNodeIds,
  changeType,
  cleanTemplate,
  conditionFields,
  fieldLimits,
  newField,
  newNode,
  nextKey,
  opsFor,
  parseConditionValue,
  parseLimit,
  validateTemplate,
  type TemplateMessages,
} from '@/lib/templateEditor'

const MSG: TemplateMessages = {
  needName: () => 'name',
  needFields: () => 'fields',
  needLabel: (n) => `label ${n}`,
  badKey: (k) => `badKey ${k}`,
  dupKey: (k) => `dupKey ${k}`,
  needOptions: (l) => `options ${l}`,
  needColumns: (l) => `columns ${l}`,
  needApprover: () => 'approver',
  needUsers: (n) => `users ${n}`,
  needCondition: (n) => `condition ${n}`,
  needNodeName: () => 'nodeName',
}

function expenseTemplate(): AdminTemplateBody {
  const fields: FormFieldDraft[] = [
    { key: 'reason', label: '事由', type: 'textarea', required: true },
    { key: 'days', label: '请假时间', type: 'daterange', required: true },
    {
      key: 'lines',
      label: '明细',
      type: 'table',
      total: 'amount',
      columns: [
        { key: 'item', label: '事项', type: 'text' },
        { key: 'amount', label: '金额', type: 'money' },
      ],
    },
    { key: 'kind', label: '类型', type: 'select', options: [' 事假 ', '', '病假'] },
  ]
  const ids = new Set<string>()
  const approver = newNode('approver', ids, '部门负责人审批')
  ids.add(approver.id)
  const condition = newNode('condition', ids, '金额判断') as ConditionNode
  condition.branches[0]!.when = { field: 'lines', op: 'gt', value: '5000' }
  condition.branches[0]!.nodes.push(
    newNode('approver', allNodeIds([approver, condition]), '分管领导'),
  )
  return {
    name: ' 费用报销 ',
    icon: 'gold-coin-o',
    category: '财务',
    description: '',
    fields,
    nodes: [approver, condition],
    is_active: true,
  }
}

describe('template editor rules', () => {
  it('gives new fields and nodes fresh keys and ids', () => {
    expect(nextKey(['field_1', 'field_3'])).toBe('field_2')
    const f = newField('select', ['field_1'])
    expect(f).toMatchObject({ key: 'field_2', type: 'select', options: [''] })
    const table = newField('table', [])
    expect(table.columns).toHaveLength(1)
    const taken = new Set(['n1', 'c1'])
    expect(newNode('approver', taken).id).toBe('n2')
    expect(newNode('cc', taken).id).toBe('c2')
    const cond = newNode('condition', taken) as ConditionNode
    expect(cond.branches.at(-1)!.when).toBeNull()
  })

  it('keeps what still applies when a field changes type', () => {
    const select: FormFieldDraft = {
      key: 'kind',
      label: '类型',
      type: 'select',
      required: true,
      options: ['a', 'b'],
    }
    expect(changeType(select, 'multiselect')).toEqual({ ...select, type: 'multiselect' })
    expect(changeType(select, 'text')).toEqual({
      key: 'kind',
      label: '类型',
      type: 'text',
      required: true,
    })
  })

  it('offers condition facts: numbers for money, days, hours and table totals', () => {
    const facts = conditionFields(expenseTemplate().fields)
    expect(facts.map((f) => [f.key, f.fact, f.note])).toEqual([
      ['days', 'number', 'days'],
      ['lines', 'number', 'total'],
      ['kind', 'text', null],
    ])
    expect(opsFor('number')).toContain('gte')
    expect(parseConditionValue('number', 'gt', '5000')).toBe(5000)
    expect(parseConditionValue('text', 'in', '事假，病假, 年假')).toEqual(['事假', '病假', '年假'])
    expect(parseConditionValue('number', 'in', '1,2')).toEqual([1, 2])
  })

  it('cleans the body: trims, drops empty options, parses condition values', () => {
    const body = cleanTemplate(expenseTemplate())
    expect(body.name).toBe('费用报销')
    expect(body.fields[3]!.options).toEqual(['事假', '病假'])
    const cond = body.nodes[1] as ConditionNode
    expect(cond.branches[0]!.when).toEqual({ field: 'lines', op: 'gt', value: 5000 })
    expect(cond.branches[1]!.when).toBeNull()
    expect(body.nodes[0]).toEqual({
      id: 'n1',
      type: 'approver',
      name: '部门负责人审批',
      assignees: { kind: 'dept_head' },
      mode: 'sequential',
    })
  })

  it('says what is missing before the server does', () => {
    expect(validateTemplate(expenseTemplate(), MSG)).toEqual([])
    const bad = expenseTemplate()
    bad.name = ' '
    bad.fields.push({ key: 'Bad-Key', label: '', type: 'multiselect', options: [''] })
    bad.fields.push({ key: 'reason', label: '重复', type: 'text' })
    ;(bad.nodes[1] as ConditionNode).branches[0]!.when = { field: '', op: 'eq', value: '' }
    bad.nodes[0] = { ...bad.nodes[0]!, assignees: { kind: 'users', users: [] } } as never
    expect(validateTemplate(bad, MSG)).toEqual([
      'name',
      'label 5',
      'badKey Bad-Key',
      'options Bad-Key',
      'dupKey reason',
      'users 部门负责人审批',
      'condition 金额判断',
    ])
    expect(validateTemplate({ ...bad, fields: [], nodes: [] }, MSG)).toContain('approver')
  })
})

describe('limits', () => {
  const field = (type: FormFieldDraft['type']): FormFieldDraft => ({ key: 'k', label: 'L', type })

  it('offers each type the numbers it takes, with the defaults as placeholders', () => {
    const keys = (type: FormFieldDraft['type']) => fieldLimits(field(type)).map((l) => l.key)
    expect(fieldLimits(field('text'))).toEqual([
      { key: 'max_length', label: 'approvalAdmin.maxLength', type: 'digit', placeholder: '200' },
    ])
    expect(fieldLimits(field('textarea'))[0]?.placeholder).toBe('2000')
    expect(keys('number')).toEqual(['min', 'max'])
    expect(keys('money')).toEqual(['min', 'max'])
    expect(keys('multiselect')).toEqual(['min', 'max'])
    expect(keys('daterange')).toEqual(['max_days'])
    expect(fieldLimits(field('attachment'))).toEqual([
      { key: 'max', label: 'approvalAdmin.maxFiles', type: 'digit', placeholder: '9' },
    ])
    expect(keys('select')).toEqual([])
    expect(keys('table')).toEqual([])
    expect(ROW_LIMITS.map((l) => l.key)).toEqual(['min_rows', 'max_rows'])
  })

  it('reads what was typed: a finite number, else no limit', () => {
    expect(parseLimit('12')).toBe(12)
    expect(parseLimit('-1.5')).toBe(-1.5)
    expect(parseLimit('')).toBeUndefined()
    expect(parseLimit('-')).toBeUndefined()
    expect(parseLimit('abc')).toBeUndefined()
  })
})
