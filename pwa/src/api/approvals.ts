/** The approvals REST API (`/api/v1/approvals/…`, docs/workflow.md): one function per endpoint. */
import { http } from './http'
import type {
  ActionBody,
  AdminTemplate,
  AdminTemplateBody,
  ApprovalDetail,
  ApprovalListQuery,
  ApprovalPage,
  BoxCounts,
  CreateApprovalBody,
  Opinion,
  Room,
  RouteStep,
  Template,
  TemplateBrief,
} from './approvalTypes'

const A = '/api/v1/approvals'

/** Lists may come bare or wrapped (`{items}` / `{route}`): accept both. */
function listOf<T>(raw: unknown, ...keys: string[]): T[] {
  if (Array.isArray(raw)) return raw as T[]
  if (raw && typeof raw === 'object') {
    for (const key of keys) {
      const value = (raw as Record<string, unknown>)[key]
      if (Array.isArray(value)) return value as T[]
    }
  }
  return []
}

export const approvalsApi = {
  templates: async () =>
    listOf<TemplateBrief>(await http.get<unknown>(`${A}/templates`), 'items', 'templates'),
  template: (id: number) => http.get<Template>(`${A}/templates/${id}`),
  /** The route my form would take now (conditions evaluated, people resolved). */
  route: async (templateId: number, form: Record<string, unknown>, signal?: AbortSignal) =>
    listOf<RouteStep>(
      await http.post<unknown>(`${A}/templates/${templateId}/route`, { form }, { signal }),
      'route',
      'steps',
      'items',
    ),
  create: (body: CreateApprovalBody) => http.post<ApprovalDetail>(A, body),
  list: (query: ApprovalListQuery) =>
    http.get<ApprovalPage>(A, {
      query: {
        box: query.box,
        status: query.status,
        template: query.template,
        q: query.q?.trim(),
        before: query.before,
      },
    }),
  counts: () => http.get<BoxCounts>(`${A}/counts`),
  get: (id: number) => http.get<ApprovalDetail>(`${A}/${id}`),
  act: (id: number, body: ActionBody) => http.post<ApprovalDetail>(`${A}/${id}/actions`, body),
  opinions: async () => listOf<Opinion>(await http.get<unknown>(`${A}/opinions`), 'items'),
  addOpinion: (text: string) => http.post<Opinion>(`${A}/opinions`, { text }),
  deleteOpinion: (id: number) => http.delete<void>(`${A}/opinions/${id}`),
  rooms: async () => listOf<Room>(await http.get<unknown>(`${A}/rooms`), 'items', 'rooms'),
  adminTemplates: async () =>
    listOf<AdminTemplate>(await http.get<unknown>(`${A}/admin/templates`), 'items', 'templates'),
  adminCreate: (body: AdminTemplateBody) => http.post<AdminTemplate>(`${A}/admin/templates`, body),
  adminUpdate: (id: number, body: AdminTemplateBody) =>
    http.put<AdminTemplate>(`${A}/admin/templates/${id}`, body),
}
