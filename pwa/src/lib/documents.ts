/**
 * 公文 on the phone: the small rules the screens share. The server says
 * everything that matters (labels, actions, statuses); these only decide how
 * it looks: urgency colours, status tag colours, card object ids, links.
 */
import type { DocBox, DocStatus, DocUrgency, ReceiptStatus } from '@/api/documentTypes'
import { flattenTree } from './tree'

export const DOC_BOXES: DocBox[] = ['todo', 'done', 'mine', 'received', 'sent']

/** A card title as the server prefixes it (【特急】/【加急】), split for colouring. */
export function splitUrgency(title: string): { urgency: DocUrgency; mark: string; text: string } {
  for (const [mark, urgency] of [
    ['【特急】', 'extra_urgent'],
    ['【加急】', 'urgent'],
  ] as const) {
    if (title.startsWith(mark)) return { urgency, mark, text: title.slice(mark.length) }
  }
  return { urgency: 'normal', mark: '', text: title }
}

/** Vant tag type of an urgency: 特急 red, 加急 orange, none otherwise. */
export function urgencyTag(urgency: DocUrgency): 'danger' | 'warning' | null {
  if (urgency === 'extra_urgent') return 'danger'
  if (urgency === 'urgent') return 'warning'
  return null
}

type AnyStatus = DocStatus | ReceiptStatus

/** Vant tag type of a document or receipt status. */
export function docStatusTag(
  status: AnyStatus,
): 'primary' | 'success' | 'warning' | 'danger' | 'default' {
  switch (status) {
    case 'running':
    case 'handling':
    case 'signed':
      return 'primary'
    case 'distributed':
    case 'done':
      return 'success'
    case 'delivered':
    case 'returned':
      return 'warning'
    case 'refused':
      return 'danger'
    default:
      return 'default'
  }
}

/** The card's object id: `12` is document 12, `r34` receipt 34 (docs/documents.md). */
export function cardObjectId(target: { receipt: number } | { document: number }): string {
  return 'receipt' in target ? `r${target.receipt}` : String(target.document)
}

/** The in-app route of a list entry: the receipt's page for 收文, else the document's. */
export function entryRoute(entry: { document: { id: number }; receipt: { id: number } | null }): {
  name: string
  params: { id: number }
} {
  return entry.receipt
    ? { name: 'document-receipt', params: { id: entry.receipt.id } }
    : { name: 'document', params: { id: entry.document.id } }
}

/** Whether a file opens in the in-app preview (the browser shows PDF and images). */
export function previewKind(mime: string): 'pdf' | 'image' | null {
  if (mime === 'application/pdf') return 'pdf'
  if (mime.startsWith('image/')) return 'image'
  return null
}

/** The years the 年度 filter offers: this year and the four before it. */
export function filterYears(now: Date = new Date()): number[] {
  const year = now.getFullYear()
  return [0, 1, 2, 3, 4].map((back) => year - back)
}

/** A unit of the directory tree as the unit picker lists it: indented by depth. */
export interface UnitOption {
  id: number
  name: string
  depth: number
}

interface UnitTree {
  id: number
  name: string
  short_name: string
  children: UnitTree[]
}

/** The tree in reading order (lib/tree); with a query only the units whose name or short name has it. */
export function flattenUnits(tree: readonly UnitTree[], query = ''): UnitOption[] {
  const q = query.trim()
  return flattenTree(tree)
    .filter(({ node }) => !q || node.name.includes(q) || node.short_name.includes(q))
    .map(({ node, depth }) => ({ id: node.id, name: node.name, depth: q ? 0 : depth }))
}

/** A server error's per-field messages (`fields`: name → message), strings only. */
export function fieldMessages(fields: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, message] of Object.entries(fields ?? {})) {
    if (typeof message === 'string') out[name] = message
  }
  return out
}

/** A 会签 party ticked in the picker: a unit (not one's own) or a department of any unit. */
export interface CountersignPick {
  kind: 'unit' | 'department'
  id: number
  name: string
}

/** The draft's 会签 fields from the ticked parties, in the order ticked. */
export function countersignBody(picks: readonly CountersignPick[]): {
  countersign_departments: number[]
  countersign_units: number[]
} {
  return {
    countersign_departments: picks.filter((p) => p.kind === 'department').map((p) => p.id),
    countersign_units: picks.filter((p) => p.kind === 'unit').map((p) => p.id),
  }
}
