/** Labels shared by the approval screens (verbs, modes, times). */
import type { Composer } from 'vue-i18n'
import type { ApprovalSummary } from '@/api/approvalTypes'
import { separatorTime } from './format'

type T = Composer['t']
type TE = Composer['te']

/** 同意 / 驳回 / 转办 … for a history entry or a task result (the server's label wins). */
export function verbLabel(
  t: T,
  te: TE,
  action: string | null | undefined,
  label?: string | null,
): string {
  if (label) return label
  if (!action) return ''
  return te(`approvals.verb.${action}`) ? t(`approvals.verb.${action}`) : action
}

export function modeLabel(t: T, te: TE, mode: string | null | undefined): string {
  return mode && te(`approvals.mode.${mode}`) ? t(`approvals.mode.${mode}`) : ''
}

export function currentStepName(summary: Pick<ApprovalSummary, 'current_step'>): string {
  return summary.current_step
}

/** 14:05 / 昨天 14:05 / 3月5日 14:05. */
export function when(iso: string | null | undefined): string {
  return iso ? separatorTime(iso) : ''
}
