/**
 * A 公文 action pressed on the detail page: what the sheet asks for beyond a
 * server-described action (lib/serverAction) — 批示's 承办 departments (an
 * alternative to naming people), an opinion written by hand (a 手写签批
 * image instead of, or besides, typed text) and "保存为常用批示语" — and the
 * body it sends. Pure functions; DocActionSheet renders them.
 */
import type { DocActBody, ReceiptActBody } from '@/api/documentTypes'
import {
  actionPayload,
  emptyInput,
  type ActionInput,
  type ActionPlan,
  type ActionProblem,
} from './serverAction'

export interface DocActionInput extends ActionInput {
  /** 批办: the 承办 departments (their heads get the task). */
  departments: number[]
  /** A 手写签批 drawn for this action (uploaded just before sending). */
  handwritten: boolean
  saveOpinion: boolean
}

export function emptyDocInput(plan: ActionPlan): DocActionInput {
  return { ...emptyInput(plan), departments: [], handwritten: false, saveOpinion: false }
}

/** Actions the detail page sends without a sheet when they ask for nothing. */
export function needsSheet(plan: ActionPlan): boolean {
  return (
    plan.opinion !== 'none' ||
    plan.person ||
    plan.nextAssignees ||
    plan.targets.length > 0 ||
    plan.positions.length > 1
  )
}

/**
 * The first thing missing, or null. Naming 承办 departments answers "the
 * next handlers" when the page offers departments; a handwritten opinion
 * answers a required opinion.
 */
export function docMissingInput(
  plan: ActionPlan,
  input: DocActionInput,
  offersDepartments: boolean,
): ActionProblem | null {
  if (plan.targets.length && !input.target) return 'target'
  if (plan.person && input.userId === null) return 'person'
  if (
    plan.nextAssignees &&
    input.nextAssignees.length === 0 &&
    !(offersDepartments && input.departments.length > 0)
  )
    return 'nextAssignees'
  if (plan.opinion === 'required' && !input.opinion.trim() && !input.handwritten) return 'opinion'
  return null
}

/**
 * The body of `POST documents/{id}/actions` or `…/receipts/{id}/actions`.
 * `handwriting` is the uploaded image's token. The image is the opinion: a
 * handwritten opinion with no typed words sends no words (the server stores
 * the strokes and shows them in the 处理笺 with the name and time).
 */
export function docActionBody(
  plan: ActionPlan,
  input: DocActionInput,
  handwriting: string,
): DocActBody & ReceiptActBody {
  const payload = actionPayload(plan, input)
  const body: DocActBody & ReceiptActBody = { ...payload }
  if (plan.opinion !== 'none' && handwriting) body.handwriting = handwriting
  if (plan.nextAssignees && input.departments.length) {
    body.departments = [...input.departments]
    if (!input.nextAssignees.length) delete body.next_assignees
  }
  if (input.saveOpinion && body.opinion && input.opinion.trim()) body.save_opinion = true
  return body
}
