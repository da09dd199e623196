/**
 * 督办 shapes (docs/supervision.md), named for the screens. All generated from
 * the server's schema (`schema.d.ts`); nothing here is written by hand.
 */
import type { components } from './schema'
import type { QueryOf, RequestOf } from './types'

type Schemas = components['schemas']

export type SupSummary = Schemas['SupSummaryOut']
export type SupDetail = Schemas['SupDetailOut']
export type SupList = Schemas['SupListOut']
export type SupDashboard = Schemas['SupDashboardOut']
export type SupUnitRow = Schemas['SupUnitRowOut']
export type SupReport = Schemas['SupReportOut']
export type SupUrge = Schemas['SupUrgeOut']
export type SupApplication = Schemas['SupApplicationOut']
export type SupMilestone = Schemas['SupMilestoneOut']
export type SupFile = Schemas['SupFileOut']
export type SupAction = Schemas['ActionOut']
export type SupLight = Schemas['LightEnum']
export type SupSource = Schemas['SourceEnum']
export type SupImportance = Schemas['ImportanceEnum']
export type SupCycle = Schemas['CycleEnum']
export type SupListQuery = QueryOf<'/api/v1/supervision', 'get'>
export type SupBox = NonNullable<SupListQuery['box']>
export type SupStatusFilter = NonNullable<SupListQuery['status']>
export type SupCreateBody = RequestOf<'/api/v1/supervision', 'post'>
export type SupSplitBody = RequestOf<'/api/v1/supervision/{task_id}/split', 'post'>
export type SupReportBody = RequestOf<'/api/v1/supervision/{task_id}/reports', 'post'>
export type SupFinishBody = RequestOf<'/api/v1/supervision/{task_id}/finish', 'post'>
export type SupExtensionBody = RequestOf<'/api/v1/supervision/{task_id}/extension', 'post'>
export type SupDecisionBody = RequestOf<'/api/v1/supervision/{task_id}/decision', 'post'>
export type SupPart = Schemas['SupPartInputRequest']
