/**
 * 督办 on the phone, as pure functions the screens share: the boxes, how a
 * light looks, the decomposition tree in reading order, and which sheet a
 * server-described action opens. The server says who may do what (`actions`)
 * and computes every light and roll-up; nothing here decides either.
 */
import type { SupAction, SupBox, SupLight, SupSummary } from '@/api/supervisionTypes'

export const SUP_BOXES: SupBox[] = ['mine', 'supervised', 'assist', 'all']
export const SUP_LIGHTS: SupLight[] = ['red', 'yellow', 'green', 'done']

/** A light's colour (the dot, the board's bars). */
export function lightColor(light: SupLight): string {
  return {
    red: 'var(--zt-red)',
    yellow: '#f5a623',
    green: '#07c160',
    done: '#969799',
  }[light]
}

export interface TreeRow {
  node: SupSummary
  /** Levels below the task the page shows (0: the task itself). */
  indent: number
}

/**
 * The task and its subtree (as the detail's `tree`: parents before children)
 * in reading order: each node followed by its children, depth-first, in the
 * order the server listed them.
 */
export function treeRows(tree: SupSummary[]): TreeRow[] {
  if (!tree.length) return []
  const ids = new Set(tree.map((n) => n.id))
  const kids = new Map<number, SupSummary[]>()
  const tops: SupSummary[] = []
  for (const node of tree) {
    if (node.parent_id !== null && ids.has(node.parent_id)) {
      const list = kids.get(node.parent_id) ?? []
      list.push(node)
      kids.set(node.parent_id, list)
    } else tops.push(node)
  }
  const rows: TreeRow[] = []
  const visit = (node: SupSummary, indent: number): void => {
    rows.push({ node, indent })
    for (const kid of kids.get(node.id) ?? []) visit(kid, indent + 1)
  }
  for (const top of tops) visit(top, 0)
  return rows
}

/** What pressing a detail action opens: a sheet of its own, the split form, or nothing. */
export type SupSheet = 'report' | 'finish' | 'extension' | 'opinion' | 'split' | 'none'

export function sheetOf(entry: SupAction): SupSheet {
  switch (entry.action) {
    case 'report':
      return 'report'
    case 'finish':
      return 'finish'
    case 'extension':
      return 'extension'
    case 'split':
      return 'split'
    default:
      return entry.opinion === 'none' ? 'none' : 'opinion'
  }
}

/** 0–99: a report of 100 % is 申请办结's (the server refuses it as a report). */
export const REPORT_PERCENT_MAX = 99

/** The leaves by light, as the roll-up counts them, for a compact 「红1 黄2 绿3」 strip. */
export function countsText(
  counts: Record<SupLight, number>,
  labels: Record<SupLight, string>,
): string {
  return SUP_LIGHTS.filter((l) => counts[l] > 0)
    .map((l) => `${labels[l]}${counts[l]}`)
    .join(' ')
}

/** The widest share of a bar chart row (0–100) for `n` of `total`. */
export function share(n: number, total: number): number {
  return total > 0 ? Math.round((100 * n) / total) : 0
}
