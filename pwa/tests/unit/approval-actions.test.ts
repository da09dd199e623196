import { describe, expect, it } from 'vitest'
import type { ApprovalAction, ApprovalTask } from '@/api/approvalTypes'
import {
  actionBody,
  actionButtonType,
  emptyInput,
  missingInput,
  planAction,
  statusTagType,
  stepState,
  stepStates,
  type ActionInput,
  type StepInput,
} from '@/lib/approvalActions'

const plan = (entry: ApprovalAction) => planAction(entry)

/**
 * Each action as the server describes it (backend/workflow/selectors.py
 * ACTION_NEEDS via realtime.cards.card_action): every field is sent.
 */
const SERVER: Record<string, Partial<ApprovalAction>> = {
  approve: { label: '同意', style: 'primary', opinion: 'optional' },
  reject: { label: '驳回', style: 'danger', opinion: 'required' },
  return: {
    label: '退回',
    opinion: 'required',
    targets: [{ id: 'initiator', name: '发起人(张晓明)' }],
  },
  transfer: { label: '转办', opinion: 'optional', needs_person: true },
  add_sign: {
    label: '加签',
    opinion: 'optional',
    needs_person: true,
    positions: [
      { id: 'before', name: '在我之前' },
      { id: 'after', name: '在我之后' },
    ],
  },
  comment: { label: '评论', opinion: 'required' },
  urge: { label: '催办' },
  withdraw: { label: '撤回', style: 'danger', confirm: '撤回后该审批将终止，确定撤回？' },
  resubmit: { label: '重新提交', style: 'primary' },
}

function server(action: string, overrides: Partial<ApprovalAction> = {}): ApprovalAction {
  const entry: ApprovalAction = {
    action,
    label: action,
    style: 'default',
    enabled: true,
    disabled_reason: '',
    opinion: 'none',
    opinion_label: '',
    needs_opinion: false,
    needs_person: false,
    needs_next_assignees: false,
    may_pass_on: false,
    positions: [],
    targets: [],
    confirm: '',
    task_id: null,
    ...SERVER[action],
    ...overrides,
  }
  entry.opinion_label = entry.opinion === 'none' ? '' : '审批意见'
  entry.needs_opinion = entry.opinion === 'required'
  return entry
}

function input(overrides: Partial<ActionInput> = {}): ActionInput {
  return {
    opinion: '',
    userId: null,
    position: null,
    target: null,
    nextAssignees: [],
    ...overrides,
  }
}

describe('which dialog an action opens', () => {
  it('同意: a sheet with an optional opinion', () => {
    const p = plan(server('approve'))
    expect(p).toMatchObject({ sheet: true, opinion: 'optional', person: false, confirm: false })
    expect(p.targets).toEqual([])
    expect(missingInput(p, input())).toBeNull()
  })

  it('驳回 and 退回 require an opinion', () => {
    for (const action of ['reject', 'return']) {
      const p = plan(server(action))
      expect(p.opinion).toBe('required')
      expect(missingInput(p, input({ target: 'initiator' }))).toBe('opinion')
    }
  })

  it('退回 offers the targets the server lists, the initiator by default', () => {
    expect(plan(server('return')).targets).toEqual([{ id: 'initiator', name: '发起人(张晓明)' }])
    const p = plan(
      server('return', {
        targets: [
          { id: 'initiator', name: '发起人' },
          { id: 'n1', name: '部门负责人审批' },
        ],
      }),
    )
    expect(p.targets.map((x) => x.id)).toEqual(['initiator', 'n1'])
    expect(emptyInput(p).target).toBe('initiator')
    expect(actionBody(p, input({ opinion: ' 材料不全 ', target: 'n1' }))).toEqual({
      action: 'return',
      opinion: '材料不全',
      target: 'n1',
    })
  })

  it('转办 asks for a person and sends user_id', () => {
    const p = plan(server('transfer'))
    expect(p).toMatchObject({ sheet: true, person: true, opinion: 'optional' })
    expect(missingInput(p, input())).toBe('person')
    expect(actionBody(p, input({ userId: 18 }))).toEqual({ action: 'transfer', user_id: 18 })
  })

  it('加签 asks for a person and before/after', () => {
    const p = plan(server('add_sign'))
    expect(p.person).toBe(true)
    expect(p.positions.map((x) => x.id)).toEqual(['before', 'after'])
    expect(emptyInput(p).position).toBe('before')
    expect(
      actionBody(p, input({ userId: 17, position: 'after', opinion: '请周主任把关' })),
    ).toEqual({ action: 'add_sign', user_id: 17, position: 'after', opinion: '请周主任把关' })
    expect(plan(server('add_sign', { positions: [{ id: 'after', name: '' }] })).positions).toEqual([
      { id: 'after', name: '' },
    ])
  })

  it('评论 always needs its text', () => {
    const p = plan(server('comment'))
    expect(p.opinion).toBe('required')
    expect(missingInput(p, input({ opinion: '   ' }))).toBe('opinion')
  })

  it('催办 sends at once; 撤回 asks for confirmation; 重新提交 opens the form', () => {
    expect(plan(server('urge'))).toMatchObject({ sheet: false, confirm: false, navigate: null })
    expect(plan(server('withdraw'))).toMatchObject({ sheet: false, confirm: true })
    expect(plan(server('resubmit'))).toMatchObject({ sheet: false, navigate: 'resubmit' })
    expect(actionBody(plan(server('urge')), input({ opinion: 'ignored' }))).toEqual({
      action: 'urge',
    })
  })

  it('同意 with needs_next_assignees asks for the next handlers', () => {
    const p = plan(
      server('approve', {
        needs_next_assignees: true,
      }),
    )
    expect(p.nextAssignees).toBe(true)
    expect(missingInput(p, input())).toBe('nextAssignees')
    expect(actionBody(p, input({ nextAssignees: [17, 20], opinion: '同意' }))).toEqual({
      action: 'approve',
      opinion: '同意',
      next_assignees: [17, 20],
    })
  })

  it('needs_opinion makes the opinion required; without it 同意 still offers one', () => {
    expect(plan(server('approve'))).toMatchObject({
      opinion: 'optional',
      sheet: true,
    })
    expect(plan(server('approve', { opinion: 'required' })).opinion).toBe('required')
    expect(plan(server('reject')).opinion).toBe('required')
    expect(plan(server('reject', { opinion: 'optional' })).opinion).toBe('optional')
    expect(plan(server('urge'))).toMatchObject({
      opinion: 'none',
      sheet: false,
    })
  })

  it('reads the server’s entries (task_id, positions as {id, name}, save_opinion)', () => {
    const addSign = plan(server('add_sign', { task_id: 41 }))
    expect(addSign.positions).toEqual([
      { id: 'before', name: '在我之前' },
      { id: 'after', name: '在我之后' },
    ])
    expect(
      actionBody(addSign, input({ userId: 17, position: 'before', opinion: '请把关' }), true),
    ).toEqual({
      action: 'add_sign',
      task_id: 41,
      user_id: 17,
      position: 'before',
      opinion: '请把关',
      save_opinion: true,
    })
    // nothing to save without an opinion
    expect(actionBody(addSign, input({ userId: 17, position: 'after' }), true)).toEqual({
      action: 'add_sign',
      task_id: 41,
      user_id: 17,
      position: 'after',
    })
  })

  it('an unknown action with nothing asked is sent directly', () => {
    expect(plan(server('archive'))).toMatchObject({ sheet: false, opinion: 'none' })
  })
})

describe('display helpers', () => {
  it('colours statuses and buttons', () => {
    expect(statusTagType('running')).toBe('primary')
    expect(statusTagType('approved')).toBe('success')
    expect(statusTagType('rejected')).toBe('danger')
    expect(statusTagType('withdrawn')).toBe('default')
    expect(statusTagType('returned')).toBe('warning')
    expect(actionButtonType(server('approve'))).toBe('primary')
    expect(actionButtonType(server('reject'))).toBe('danger')
    expect(actionButtonType(server('approve', { style: 'default' }))).toBe('default')
  })

  const person = { id: 1, name: '周建国' }
  /** A step as `stepState` reads it: the server's fields, `state` only where a test sets it. */
  const step = (over: Partial<StepInput> & { id?: string }): StepInput & { id: string } => ({
    id: 'n1',
    type: 'approver',
    ...over,
  })
  const task = (
    state: 'queued' | 'pending' | 'waiting' | 'done' | 'cancelled',
    id = 1,
  ): ApprovalTask => ({
    id,
    assignee: person,
    state,
    state_label: '',
    result: '',
    result_label: '',
    opinion: '',
    added_position: '',
    opened_at: null,
    acted_at: null,
    due_at: null,
    overdue: false,
  })

  it('reads a step state from its tasks when the server gives none', () => {
    expect(stepState(step({ tasks: [task('done')] }))).toBe('done')
    expect(stepState(step({ tasks: [task('done'), task('pending', 2)] }))).toBe('current')
    expect(stepState(step({ tasks: [task('waiting')] }))).toBe('current')
    expect(stepState(step({ tasks: [task('done'), task('queued', 2)] }))).toBe('current')
    expect(stepState(step({ tasks: [task('queued')] }))).toBe('future')
    expect(stepState(step({ tasks: [] }))).toBe('future')
    expect(stepState(step({ tasks: [task('cancelled')] }))).toBe('skipped')
    expect(stepState(step({ state: 'active', tasks: [] }))).toBe('current')
    expect(stepState(step({ state: 'stopped', tasks: [task('done')] }))).toBe('stopped')
  })

  it('marks a CC step done once the flow went past it', () => {
    const route = [
      step({ id: 'n1', tasks: [task('done')] }),
      step({ id: 'c1', type: 'cc' }),
      step({ id: 'n2', tasks: [task('pending')] }),
      step({ id: 'c2', type: 'cc' }),
    ]
    expect(stepStates(route, 'running')).toEqual(['done', 'done', 'current', 'future'])
    const finished = route.map((s) => (s.id === 'n2' ? { ...s, tasks: [task('done')] } : s))
    expect(stepStates(finished, 'approved')).toEqual(['done', 'done', 'done', 'done'])
    expect(stepStates(finished, 'rejected')).toEqual(['done', 'done', 'done', 'future'])
  })
})
