/**
 * The approvals REST API (`/api/v1/approvals/…`, docs/workflow.md): one function per
 * endpoint, bodies and answers typed from the generated schema (`paths`).
 */
import { http } from './http'
import type { ActionBody, AdminTemplate, AdminTemplateBody, Template } from './approvalTypes'
import type { QueryOf, RequestOf, ResponseOf } from './types'

const A = '/api/v1/approvals'

type Approvals = '/api/v1/approvals'
type Approval = '/api/v1/approvals/{approval_id}'

export const approvalsApi = {
  templates: () => http.get<ResponseOf<`${Approvals}/templates`, 'get'>>(`${A}/templates`),
  /** `nodes` is free JSON in the schema; `Template` reads it as the flow definition. */
  template: (id: number) => http.get<Template>(`${A}/templates/${id}`),
  /** The route my form would take now (conditions evaluated, people resolved). */
  route: (
    templateId: number,
    form: RequestOf<`${Approvals}/templates/{template_id}/route`, 'post'>['form'],
    signal?: AbortSignal,
  ) =>
    http.post<ResponseOf<`${Approvals}/templates/{template_id}/route`, 'post'>>(
      `${A}/templates/${templateId}/route`,
      { form } satisfies RequestOf<`${Approvals}/templates/{template_id}/route`, 'post'>,
      { signal },
    ),
  create: (body: RequestOf<Approvals, 'post'>) => http.post<ResponseOf<Approvals, 'post'>>(A, body),
  list: (query: QueryOf<Approvals, 'get'>) =>
    http.get<ResponseOf<Approvals, 'get'>>(A, { query: { ...query, q: query.q?.trim() } }),
  counts: () => http.get<ResponseOf<`${Approvals}/counts`, 'get'>>(`${A}/counts`),
  get: (id: number) => http.get<ResponseOf<Approval, 'get'>>(`${A}/${id}`),
  act: (id: number, body: ActionBody) =>
    http.post<ResponseOf<`${Approval}/actions`, 'post'>>(`${A}/${id}/actions`, body),
  opinions: () => http.get<ResponseOf<`${Approvals}/opinions`, 'get'>>(`${A}/opinions`),
  addOpinion: (text: string) =>
    http.post<ResponseOf<`${Approvals}/opinions`, 'post'>>(`${A}/opinions`, {
      text,
    } satisfies RequestOf<`${Approvals}/opinions`, 'post'>),
  deleteOpinion: (id: number) =>
    http.delete<ResponseOf<`${Approvals}/opinions/{opinion_id}`, 'delete'>>(`${A}/opinions/${id}`),
  rooms: () => http.get<ResponseOf<`${Approvals}/rooms`, 'get'>>(`${A}/rooms`),
  adminTemplates: () => http.get<AdminTemplate[]>(`${A}/admin/templates`),
  adminCreate: (body: AdminTemplateBody) =>
    http.post<AdminTemplate>(
      `${A}/admin/templates`,
      body satisfies RequestOf<`${Approvals}/admin/templates`, 'post'>,
    ),
  adminUpdate: (id: number, body: AdminTemplateBody) =>
    http.put<AdminTemplate>(
      `${A}/admin/templates/${id}`,
      body satisfies RequestOf<`${Approvals}/admin/templates/{template_id}`, 'put'>,
    ),
}
