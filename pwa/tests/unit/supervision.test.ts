import { describe, expect, it } from 'vitest'
import type { SupAction, SupSummary } from '@/api/supervisionTypes'
import { countsText, sheetOf, share, treeRows } from '@/lib/supervision'

/** A node as the server's summary describes it (only what the tree reads matters). */
function node(id: number, parent: number | null): SupSummary {
  return {
    id,
    parent_id: parent,
    root_id: 1,
    depth: 0,
    role: parent === null ? 'lead' : 'sub',
    role_label: parent === null ? '牵头' : '分解',
    title: `任务${id}`,
    source: 'meeting',
    source_label: '会议决定',
    unit: { id: 1, name: '财政局' },
    department: null,
    unit_label: '财政局',
    owner: { id: 1, name: '陈志明' },
    supervisor: { id: 2, name: '周建国' },
    deadline: '2026-12-31',
    importance: 'normal',
    importance_label: '一般',
    status: 'active',
    status_label: '进行中',
    percent: 0,
    light: 'green',
    light_label: '绿灯',
    light_text: '距截止还有30天',
    report_due: null,
    report_overdue: false,
    urge_count: 0,
    created_at: '2026-12-01T09:00:00+08:00',
    finished_at: null,
    rollup: {
      percent: 0,
      light: 'green',
      counts: { red: 0, yellow: 0, green: 1, done: 0, total: 1 },
    },
  }
}

function action(name: string, opinion: SupAction['opinion']): SupAction {
  return {
    action: name,
    label: name,
    style: 'default',
    enabled: true,
    disabled_reason: '',
    opinion,
    opinion_label: opinion === 'none' ? '' : '意见',
    needs_opinion: opinion === 'required',
    needs_person: false,
    needs_next_assignees: false,
    may_pass_on: false,
    positions: [],
    targets: [],
    confirm: '',
    task_id: null,
  }
}

describe('督办 on the phone', () => {
  it('reads the tree (parents first, by depth) depth-first, each node under its parent', () => {
    // As the server lists it: by depth, then deadline.
    const tree = [node(1, null), node(2, 1), node(3, 1), node(4, 2), node(5, 3), node(6, 4)]
    expect(treeRows(tree).map((r) => [r.node.id, r.indent])).toEqual([
      [1, 0],
      [2, 1],
      [4, 2],
      [6, 3],
      [3, 1],
      [5, 2],
    ])
  })

  it('a subtree (the page of a sub-task) starts at its own top', () => {
    expect(treeRows([node(2, 1), node(4, 2)]).map((r) => [r.node.id, r.indent])).toEqual([
      [2, 0],
      [4, 1],
    ])
    expect(treeRows([])).toEqual([])
  })

  it('each action opens its own sheet; the rest ask for what the server says', () => {
    expect(sheetOf(action('report', 'required'))).toBe('report')
    expect(sheetOf(action('finish', 'required'))).toBe('finish')
    expect(sheetOf(action('extension', 'required'))).toBe('extension')
    expect(sheetOf(action('split', 'none'))).toBe('split')
    expect(sheetOf(action('urge', 'required'))).toBe('opinion')
    expect(sheetOf(action('approve', 'optional'))).toBe('opinion')
    expect(sheetOf(action('view', 'none'))).toBe('none')
  })

  it('writes the counts it has and the shares of a bar', () => {
    const labels = { red: '红', yellow: '黄', green: '绿', done: '结' }
    expect(countsText({ red: 1, yellow: 0, green: 3, done: 2 }, labels)).toBe('红1 绿3 结2')
    expect(share(1, 3)).toBe(33)
    expect(share(0, 0)).toBe(0)
  })
})
