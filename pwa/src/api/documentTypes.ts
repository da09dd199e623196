/**
 * 公文 shapes (docs/documents.md), named for the screens. All generated from
 * the server's schema (`schema.d.ts`); nothing here is written by hand.
 */
import type { components } from './schema'
import type { QueryOf, RequestOf } from './types'

type Schemas = components['schemas']

export type DocMeta = Schemas['MetaOut']
export type DocChoice = Schemas['ChoiceOut']
export type DocUnit = Schemas['UnitBriefOut']
export type DocPerson = Schemas['PersonOut']
export type DocFile = Schemas['DocFileOut']
export type DocSummary = Schemas['DocumentSummaryOut']
export type DocDetail = Schemas['DocumentDetailOut']
export type DocStatus = Schemas['DocumentStatusEnum']
export type DocUrgency = Schemas['DocumentUrgencyEnum']
export type DocListPage = Schemas['DocListOut']
export type DocListEntry = Schemas['EntryOut']
export type DocCounts = Schemas['DocCountsOut']
export type DocListQuery = QueryOf<'/api/v1/documents', 'get'>
export type DocBox = DocListQuery['box']
export type DocAction = Schemas['ActionOut']
export type DocSheetEntry = Schemas['SheetEntryOut']
export type DocCountersignRow = Schemas['CountersignRowOut']
export type DocRouteStep = Schemas['RouteStepStateOut']
export type ReceiptRow = Schemas['ReceiptRowOut']
export type ReceiptBrief = Schemas['ReceiptBriefOut']
export type ReceiptStatus = Schemas['ReceiptStatusEnum']
export type ReceiptDetail = Schemas['ReceiptDetailOut']
export type DeptChoice = Schemas['DepartmentChoiceOut']
export type LayoutInfo = Schemas['LayoutInfoOut']
export type Phrase = Schemas['OpinionOut']
export type Upload = Schemas['AttachmentOut']
export type DocSubmitBody = RequestOf<'/api/v1/documents', 'post'>
export type DocActBody = RequestOf<'/api/v1/documents/{document_id}/actions', 'post'>
export type ReceiptActBody = RequestOf<'/api/v1/documents/receipts/{receipt_id}/actions', 'post'>
export type ReceiptRegisterBody = RequestOf<
  '/api/v1/documents/receipts/{receipt_id}/register',
  'post'
>
