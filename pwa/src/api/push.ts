/**
 * Web push, 通知设置, the delivery log and 加急 (docs/notifications.md).
 * Bodies and answers are typed from the generated schema.
 */
import { http } from './http'
import type { QueryOf, RequestOf, ResponseOf } from './types'

const V1 = '/api/v1'
const SUBSCRIPTIONS = '/api/v1/push/subscriptions'
type Urgent = '/api/v1/messages/{message_id}/urgent'

/**
 * `DELETE push/subscriptions` takes the endpoint in its body; the schema does
 * not describe DELETE bodies, so this is the POST body's `endpoint`.
 */
type UnsubscribeBody = Pick<RequestOf<typeof SUBSCRIPTIONS, 'post'>, 'endpoint'>

export const pushApi = {
  vapidPublicKey: () =>
    http.get<ResponseOf<'/api/v1/push/vapid-public-key', 'get'>>(`${V1}/push/vapid-public-key`),
  subscribe: (body: RequestOf<typeof SUBSCRIPTIONS, 'post'>) =>
    http.post<ResponseOf<typeof SUBSCRIPTIONS, 'post'>>(SUBSCRIPTIONS, body),
  unsubscribe: (endpoint: string) =>
    http.delete<ResponseOf<typeof SUBSCRIPTIONS, 'delete'>>(SUBSCRIPTIONS, {
      endpoint,
    } satisfies UnsubscribeBody),
  settings: () =>
    http.get<ResponseOf<'/api/v1/me/notification-settings', 'get'>>(
      `${V1}/me/notification-settings`,
    ),
  updateSettings: (patch: RequestOf<'/api/v1/me/notification-settings', 'patch'>) =>
    http.patch<ResponseOf<'/api/v1/me/notification-settings', 'patch'>>(
      `${V1}/me/notification-settings`,
      patch,
    ),
  deliveries: (before?: number) =>
    http.get<ResponseOf<'/api/v1/me/deliveries', 'get'>>(`${V1}/me/deliveries`, {
      query: { before } satisfies QueryOf<'/api/v1/me/deliveries', 'get'>,
    }),
}

export const urgentApi = {
  mark: (messageId: number, body: RequestOf<Urgent, 'post'>) =>
    http.post<ResponseOf<Urgent, 'post'>>(`${V1}/messages/${messageId}/urgent`, body),
  status: (messageId: number) =>
    http.get<ResponseOf<Urgent, 'get'>>(`${V1}/messages/${messageId}/urgent`),
  remind: (messageId: number) =>
    http.post<ResponseOf<`${Urgent}/remind`, 'post'>>(`${V1}/messages/${messageId}/urgent/remind`),
}
