import { describe, expect, it } from 'vitest'
import type { DocAction } from '@/api/documentTypes'
import {
  docActionBody,
  docMissingInput,
  emptyDocInput,
  needsSheet,
  type DocActionInput,
} from '@/lib/documentActions'
import {
  cardObjectId,
  docStatusTag,
  entryRoute,
  fieldMessages,
  filterYears,
  flattenUnits,
  previewKind,
  splitUrgency,
  urgencyTag,
} from '@/lib/documents'
import { planServerAction } from '@/lib/serverAction'

/** An action as backend/documents/actions.py describes it (every field sent). */
function action(overrides: Partial<DocAction>): DocAction {
  return {
    action: 'approve',
    label: '同意',
    style: 'primary',
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
    ...overrides,
  }
}

const INSTRUCT = action({
  label: '批示',
  opinion: 'required',
  opinion_label: '批示',
  needs_opinion: true,
  needs_next_assignees: true,
  task_id: 7,
})
const SIGN = action({ label: '签发', opinion: 'optional', opinion_label: '签发意见', task_id: 3 })

function input(plan: ReturnType<typeof planServerAction>, extra: Partial<DocActionInput>) {
  return { ...emptyDocInput(plan), ...extra }
}

describe('公文 look', () => {
  it('splits the server’s urgency mark off a card title', () => {
    expect(splitUrgency('【特急】关于做好防汛工作的通知')).toEqual({
      urgency: 'extra_urgent',
      mark: '【特急】',
      text: '关于做好防汛工作的通知',
    })
    expect(splitUrgency('【加急】关于…的函').urgency).toBe('urgent')
    expect(splitUrgency('关于【特急】的通知')).toEqual({
      urgency: 'normal',
      mark: '',
      text: '关于【特急】的通知',
    })
  })

  it('colours 特急 red and 加急 orange, nothing for 普通', () => {
    expect(urgencyTag('extra_urgent')).toBe('danger')
    expect(urgencyTag('urgent')).toBe('warning')
    expect(urgencyTag('normal')).toBeNull()
  })

  it('tags statuses of documents and receipts', () => {
    expect(docStatusTag('running')).toBe('primary')
    expect(docStatusTag('distributed')).toBe('success')
    expect(docStatusTag('done')).toBe('success')
    expect(docStatusTag('delivered')).toBe('warning')
    expect(docStatusTag('refused')).toBe('danger')
    expect(docStatusTag('withdrawn')).toBe('default')
  })

  it('names cards and routes as the server does (12 = document, r34 = receipt)', () => {
    expect(cardObjectId({ document: 12 })).toBe('12')
    expect(cardObjectId({ receipt: 34 })).toBe('r34')
    expect(entryRoute({ document: { id: 12 }, receipt: null })).toEqual({
      name: 'document',
      params: { id: 12 },
    })
    expect(entryRoute({ document: { id: 12 }, receipt: { id: 34 } })).toEqual({
      name: 'document-receipt',
      params: { id: 34 },
    })
  })

  it('previews PDFs and images in the app, downloads the rest', () => {
    expect(previewKind('application/pdf')).toBe('pdf')
    expect(previewKind('image/png')).toBe('image')
    expect(
      previewKind('application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
    ).toBeNull()
  })

  it('offers this year and the four before it', () => {
    expect(filterYears(new Date(2026, 5, 1))).toEqual([2026, 2025, 2024, 2023, 2022])
  })

  it('flattens the unit tree for the picker, and filters it by name', () => {
    const tree = [
      {
        id: 1,
        name: '江城市人民政府',
        short_name: '市政府',
        children: [
          { id: 2, name: '江城市财政局', short_name: '财政局', children: [] },
          { id: 3, name: '江城市发展和改革委员会', short_name: '发改委', children: [] },
        ],
      },
    ]
    expect(flattenUnits(tree)).toEqual([
      { id: 1, name: '江城市人民政府', depth: 0 },
      { id: 2, name: '江城市财政局', depth: 1 },
      { id: 3, name: '江城市发展和改革委员会', depth: 1 },
    ])
    expect(flattenUnits(tree, '发改委')).toEqual([
      { id: 3, name: '江城市发展和改革委员会', depth: 0 },
    ])
    expect(flattenUnits(tree, '  ')).toHaveLength(3)
  })

  it('keeps the server’s per-field messages, strings only', () => {
    expect(fieldMessages({ main_to: '请示只能主送一个机关', junk: 3 })).toEqual({
      main_to: '请示只能主送一个机关',
    })
    expect(fieldMessages(undefined)).toEqual({})
  })
})

describe('公文 actions', () => {
  it('opens the sheet only when the action asks for something', () => {
    expect(needsSheet(planServerAction(action({ action: 'urge', label: '催办' })))).toBe(false)
    expect(needsSheet(planServerAction(SIGN))).toBe(true)
    expect(needsSheet(planServerAction(action({ action: 'transfer', needs_person: true })))).toBe(
      true,
    )
  })

  it('批示 needs its words and departments or people', () => {
    const plan = planServerAction(INSTRUCT)
    expect(docMissingInput(plan, input(plan, {}), true)).toBe('nextAssignees')
    expect(docMissingInput(plan, input(plan, { departments: [5] }), true)).toBe('opinion')
    // Departments only count where the page offers them.
    expect(docMissingInput(plan, input(plan, { departments: [5] }), false)).toBe('nextAssignees')
    expect(
      docMissingInput(plan, input(plan, { departments: [5], opinion: '请财政局牵头办理' }), true),
    ).toBeNull()
    // A handwritten 批示 is an opinion.
    expect(
      docMissingInput(plan, input(plan, { nextAssignees: [9], handwritten: true }), true),
    ).toBeNull()
  })

  it('sends departments instead of people, and the handwriting token', () => {
    const plan = planServerAction(INSTRUCT)
    const body = docActionBody(
      plan,
      input(plan, { departments: [5, 6], handwritten: true }),
      'tok123',
    )
    expect(body).toEqual({
      action: 'approve',
      task_id: 7,
      handwriting: 'tok123',
      departments: [5, 6],
    })
  })

  it('keeps typed words beside the strokes, and saves only typed words as a phrase', () => {
    const plan = planServerAction(SIGN)
    expect(
      docActionBody(plan, input(plan, { opinion: ' 同意印发 ', saveOpinion: true }), 'tok'),
    ).toEqual({
      action: 'approve',
      task_id: 3,
      opinion: '同意印发',
      handwriting: 'tok',
      save_opinion: true,
    })
    expect(
      docActionBody(plan, input(plan, { saveOpinion: true, handwritten: true }), 'tok'),
    ).toEqual({ action: 'approve', task_id: 3, handwriting: 'tok' })
  })

  it('sends no handwriting with an action that takes no opinion', () => {
    const plan = planServerAction(action({ action: 'urge', label: '催办' }))
    expect(docActionBody(plan, input(plan, {}), 'tok')).toEqual({ action: 'urge' })
  })
})
