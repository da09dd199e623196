/**
 * The 督办 REST API (`/api/v1/supervision…`, docs/supervision.md): one function
 * per endpoint, bodies and answers typed from the generated schema (`paths`).
 */
import { http } from './http'
import type {
  SupCreateBody,
  SupDecisionBody,
  SupExtensionBody,
  SupFinishBody,
  SupListQuery,
  SupReportBody,
  SupSplitBody,
} from './supervisionTypes'
import type { RequestOf, ResponseOf } from './types'

const S = '/api/v1/supervision'

type List = '/api/v1/supervision'
type One = '/api/v1/supervision/{task_id}'

export const supervisionApi = {
  list: (query: SupListQuery) => http.get<ResponseOf<List, 'get'>>(S, { query }),
  dashboard: () => http.get<ResponseOf<`${List}/dashboard`, 'get'>>(`${S}/dashboard`),
  create: (body: SupCreateBody) => http.post<ResponseOf<List, 'post'>>(S, body),
  get: (id: number) => http.get<ResponseOf<One, 'get'>>(`${S}/${id}`),
  split: (id: number, body: SupSplitBody) =>
    http.post<ResponseOf<`${One}/split`, 'post'>>(`${S}/${id}/split`, body),
  report: (id: number, body: SupReportBody) =>
    http.post<ResponseOf<`${One}/reports`, 'post'>>(`${S}/${id}/reports`, body),
  urge: (id: number, message: string) =>
    http.post<ResponseOf<`${One}/urge`, 'post'>>(`${S}/${id}/urge`, {
      message,
    } satisfies RequestOf<`${One}/urge`, 'post'>),
  finish: (id: number, body: SupFinishBody) =>
    http.post<ResponseOf<`${One}/finish`, 'post'>>(`${S}/${id}/finish`, body),
  extension: (id: number, body: SupExtensionBody) =>
    http.post<ResponseOf<`${One}/extension`, 'post'>>(`${S}/${id}/extension`, body),
  decide: (id: number, body: SupDecisionBody) =>
    http.post<ResponseOf<`${One}/decision`, 'post'>>(`${S}/${id}/decision`, body),
  /** Where a task's file downloads (its attachments, evidence, a report's files). */
  fileUrl: (id: number, token: string) => `${S}/${id}/attachments/${encodeURIComponent(token)}`,
}
