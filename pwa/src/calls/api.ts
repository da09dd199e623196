/** The call endpoints (docs/calls.md), typed from the generated schema. */
import { http } from '@/api/http'
import type { RequestOf, ResponseOf } from '@/api/types'
import type { CallMedia } from './types'

const V1 = '/api/v1'
type One = '/api/v1/calls/{call_id}'
type InConversation = '/api/v1/conversations/{conversation_id}/calls'

export const callApi = {
  start: (conversationId: number, media: CallMedia, inviteeIds?: number[]) =>
    http.post<ResponseOf<InConversation, 'post'>>(`${V1}/conversations/${conversationId}/calls`, {
      media,
      ...(inviteeIds ? { invitee_ids: inviteeIds } : {}),
    } satisfies RequestOf<InConversation, 'post'>),
  active: (conversationId: number) =>
    http.get<ResponseOf<`${InConversation}/active`, 'get'>>(
      `${V1}/conversations/${conversationId}/calls/active`,
    ),
  get: (id: number) => http.get<ResponseOf<One, 'get'>>(`${V1}/calls/${id}`),
  decline: (id: number) =>
    http.post<ResponseOf<`${One}/decline`, 'post'>>(`${V1}/calls/${id}/decline`),
  invite: (id: number, userIds: number[]) =>
    http.post<ResponseOf<`${One}/invite`, 'post'>>(`${V1}/calls/${id}/invite`, {
      user_ids: userIds,
    } satisfies RequestOf<`${One}/invite`, 'post'>),
  end: (id: number) => http.post<ResponseOf<`${One}/end`, 'post'>>(`${V1}/calls/${id}/end`),
  remove: (id: number, userId: number) =>
    http.post<ResponseOf<`${One}/participants/{user_id}/remove`, 'post'>>(
      `${V1}/calls/${id}/participants/${userId}/remove`,
    ),
  recording: (id: number, on: boolean) =>
    http.post<ResponseOf<`${One}/recording`, 'post'>>(`${V1}/calls/${id}/recording`, {
      on,
    } satisfies RequestOf<`${One}/recording`, 'post'>),
}
