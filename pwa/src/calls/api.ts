/** The call endpoints (docs/calls.md). */
import { http } from '@/api/http'
import type { Call, CallMedia } from './types'

const V1 = '/api/v1'

export const callApi = {
  start: (conversationId: number, media: CallMedia, inviteeIds?: number[]) =>
    http.post<Call>(`${V1}/conversations/${conversationId}/calls`, {
      media,
      ...(inviteeIds ? { invitee_ids: inviteeIds } : {}),
    }),
  active: (conversationId: number) =>
    http.get<Call>(`${V1}/conversations/${conversationId}/calls/active`),
  get: (id: number) => http.get<Call>(`${V1}/calls/${id}`),
  decline: (id: number) => http.post<Call>(`${V1}/calls/${id}/decline`),
  invite: (id: number, userIds: number[]) =>
    http.post<Call>(`${V1}/calls/${id}/invite`, { user_ids: userIds }),
  end: (id: number) => http.post<Call>(`${V1}/calls/${id}/end`),
  remove: (id: number, userId: number) =>
    http.post<Call>(`${V1}/calls/${id}/participants/${userId}/remove`),
  recording: (id: number, on: boolean) => http.post<Call>(`${V1}/calls/${id}/recording`, { on }),
}
