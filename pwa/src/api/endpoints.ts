/**
 * One function per REST endpoint the PWA uses. Bodies and answers are typed
 * from the generated schema (`paths` in schema.d.ts): `RequestOf` / `ResponseOf`.
 */
import { http } from './http'
import type { AcceptedOf, QueryOf, RequestOf, ResponseOf } from './types'

const V1 = '/api/v1'

type Conversation = '/api/v1/conversations/{conversation_id}'

export const authApi = {
  csrf: () => http.get<ResponseOf<'/api/v1/auth/csrf', 'get'>>(`${V1}/auth/csrf`),
  /** 200: signed in; 202: a second factor is asked (`step: two_factor_required`). */
  login: (mobile: string, password: string) =>
    http.post<ResponseOf<'/api/v1/auth/login', 'post'> | AcceptedOf<'/api/v1/auth/login', 'post'>>(
      `${V1}/auth/login`,
      {
        mobile,
        password,
      } satisfies RequestOf<'/api/v1/auth/login', 'post'>,
    ),
  loginTwoFactor: (body: RequestOf<'/api/v1/auth/login/two-factor', 'post'>) =>
    http.post<ResponseOf<'/api/v1/auth/login/two-factor', 'post'>>(
      `${V1}/auth/login/two-factor`,
      body,
    ),
  loginTotpSetup: (challenge: string) =>
    http.post<ResponseOf<'/api/v1/auth/two-factor/totp', 'post'>>(`${V1}/auth/two-factor/totp`, {
      challenge,
    } satisfies RequestOf<'/api/v1/auth/two-factor/totp', 'post'>),
  loginSms: (challenge: string) =>
    http.post<ResponseOf<'/api/v1/auth/two-factor/sms', 'post'>>(`${V1}/auth/two-factor/sms`, {
      challenge,
    } satisfies RequestOf<'/api/v1/auth/two-factor/sms', 'post'>),
  logout: () => http.post<ResponseOf<'/api/v1/auth/logout', 'post'>>(`${V1}/auth/logout`),
  me: () => http.get<ResponseOf<'/api/v1/me', 'get'>>(`${V1}/me`),
  changePassword: (oldPassword: string, newPassword: string) =>
    http.post<ResponseOf<'/api/v1/me/password', 'post'>>(`${V1}/me/password`, {
      old_password: oldPassword,
      new_password: newPassword,
    } satisfies RequestOf<'/api/v1/me/password', 'post'>),
  devices: () => http.get<ResponseOf<'/api/v1/me/devices', 'get'>>(`${V1}/me/devices`),
  signOutDevice: (id: number) =>
    http.delete<ResponseOf<'/api/v1/me/devices/{device_id}', 'delete'>>(`${V1}/me/devices/${id}`),
  signOutOthers: () =>
    http.post<ResponseOf<'/api/v1/me/devices/sign-out-others', 'post'>>(
      `${V1}/me/devices/sign-out-others`,
    ),
}

/** 我的 → 安全 → 两步验证. */
export const twoFactorApi = {
  status: () => http.get<ResponseOf<'/api/v1/me/two-factor', 'get'>>(`${V1}/me/two-factor`),
  totpStart: () =>
    http.post<ResponseOf<'/api/v1/me/two-factor/totp', 'post'>>(`${V1}/me/two-factor/totp`),
  smsSend: () =>
    http.post<ResponseOf<'/api/v1/me/two-factor/sms', 'post'>>(`${V1}/me/two-factor/sms`),
  confirm: (body: RequestOf<'/api/v1/me/two-factor/confirm', 'post'>) =>
    http.post<ResponseOf<'/api/v1/me/two-factor/confirm', 'post'>>(
      `${V1}/me/two-factor/confirm`,
      body,
    ),
  disable: (password: string) =>
    http.post<ResponseOf<'/api/v1/me/two-factor/disable', 'post'>>(`${V1}/me/two-factor/disable`, {
      password,
    } satisfies RequestOf<'/api/v1/me/two-factor/disable', 'post'>),
  renewRecoveryCodes: (password: string) =>
    http.post<ResponseOf<'/api/v1/me/two-factor/recovery-codes', 'post'>>(
      `${V1}/me/two-factor/recovery-codes`,
      { password } satisfies RequestOf<'/api/v1/me/two-factor/recovery-codes', 'post'>,
    ),
}

export const directoryApi = {
  units: () => http.get<ResponseOf<'/api/v1/directory/units', 'get'>>(`${V1}/directory/units`),
  departments: (unitId: number) =>
    http.get<ResponseOf<'/api/v1/directory/units/{unit_id}/departments', 'get'>>(
      `${V1}/directory/units/${unitId}/departments`,
    ),
  people: (departmentId: number) =>
    http.get<ResponseOf<'/api/v1/directory/departments/{department_id}/people', 'get'>>(
      `${V1}/directory/departments/${departmentId}/people`,
    ),
  search: (q: string) =>
    http.get<ResponseOf<'/api/v1/directory/search', 'get'>>(`${V1}/directory/search`, {
      query: { q } satisfies QueryOf<'/api/v1/directory/search', 'get'>,
    }),
  person: (id: number) =>
    http.get<ResponseOf<'/api/v1/people/{person_id}', 'get'>>(`${V1}/people/${id}`),
}

/** `POST conversations/{id}/messages`. */
export type SendBody = RequestOf<`${Conversation}/messages`, 'post'>

export const conversationApi = {
  list: () => http.get<ResponseOf<'/api/v1/conversations', 'get'>>(`${V1}/conversations`),
  get: (id: number) => http.get<ResponseOf<Conversation, 'get'>>(`${V1}/conversations/${id}`),
  createDirect: (userId: number) =>
    http.post<ResponseOf<'/api/v1/conversations', 'post'>>(`${V1}/conversations`, {
      kind: 'direct',
      user_id: userId,
    } satisfies RequestOf<'/api/v1/conversations', 'post'>),
  createGroup: (name: string, memberIds: number[]) =>
    http.post<ResponseOf<'/api/v1/conversations', 'post'>>(`${V1}/conversations`, {
      kind: 'group',
      name,
      member_ids: memberIds,
    } satisfies RequestOf<'/api/v1/conversations', 'post'>),
  rename: (id: number, name: string) =>
    http.patch<ResponseOf<Conversation, 'patch'>>(`${V1}/conversations/${id}`, {
      name,
    } satisfies RequestOf<Conversation, 'patch'>),
  /** Owner/admins: share the history from before joining with members who join later. */
  shareHistory: (id: number, visible: boolean) =>
    http.patch<ResponseOf<Conversation, 'patch'>>(`${V1}/conversations/${id}`, {
      history_visible_to_new_members: visible,
    } satisfies RequestOf<Conversation, 'patch'>),
  members: (id: number) =>
    http.get<ResponseOf<`${Conversation}/members`, 'get'>>(`${V1}/conversations/${id}/members`),
  addMembers: (id: number, userIds: number[]) =>
    http.post<ResponseOf<`${Conversation}/members`, 'post'>>(`${V1}/conversations/${id}/members`, {
      user_ids: userIds,
    } satisfies RequestOf<`${Conversation}/members`, 'post'>),
  removeMember: (id: number, userId: number) =>
    http.delete<ResponseOf<`${Conversation}/members/{user_id}`, 'delete'>>(
      `${V1}/conversations/${id}/members/${userId}`,
    ),
  leave: (id: number) =>
    http.post<ResponseOf<`${Conversation}/leave`, 'post'>>(`${V1}/conversations/${id}/leave`),
  dissolve: (id: number) =>
    http.post<ResponseOf<`${Conversation}/dissolve`, 'post'>>(`${V1}/conversations/${id}/dissolve`),
  transfer: (id: number, userId: number) =>
    http.post<ResponseOf<`${Conversation}/transfer`, 'post'>>(
      `${V1}/conversations/${id}/transfer`,
      { user_id: userId } satisfies RequestOf<`${Conversation}/transfer`, 'post'>,
    ),
  settings: (id: number, settings: RequestOf<`${Conversation}/settings`, 'patch'>) =>
    http.patch<ResponseOf<`${Conversation}/settings`, 'patch'>>(
      `${V1}/conversations/${id}/settings`,
      settings,
    ),
  messages: (id: number, beforeSeq?: number, limit = 50) =>
    http.get<ResponseOf<`${Conversation}/messages`, 'get'>>(`${V1}/conversations/${id}/messages`, {
      query: { before_seq: beforeSeq, limit } satisfies QueryOf<`${Conversation}/messages`, 'get'>,
    }),
  send: (id: number, body: SendBody) =>
    http.post<ResponseOf<`${Conversation}/messages`, 'post'>>(
      `${V1}/conversations/${id}/messages`,
      body,
    ),
  read: (id: number, seq: number) =>
    http.post<ResponseOf<`${Conversation}/read`, 'post'>>(`${V1}/conversations/${id}/read`, {
      seq,
    } satisfies RequestOf<`${Conversation}/read`, 'post'>),
  receiptCounts: (id: number, seqs: number[]) =>
    http.get<ResponseOf<`${Conversation}/receipts`, 'get'>>(`${V1}/conversations/${id}/receipts`, {
      query: { seqs: seqs.join(',') } satisfies QueryOf<`${Conversation}/receipts`, 'get'>,
    }),
}

export const messageApi = {
  receipts: (id: number) =>
    http.get<ResponseOf<'/api/v1/messages/{message_id}/receipts', 'get'>>(
      `${V1}/messages/${id}/receipts`,
    ),
  recall: (id: number) =>
    http.post<ResponseOf<'/api/v1/messages/{message_id}/recall', 'post'>>(
      `${V1}/messages/${id}/recall`,
    ),
  search: (q: string, conversationId?: number) =>
    http.get<ResponseOf<'/api/v1/messages/search', 'get'>>(`${V1}/messages/search`, {
      query: { q, conversation_id: conversationId } satisfies QueryOf<
        '/api/v1/messages/search',
        'get'
      >,
    }),
}

export const attachmentApi = {
  /** Multipart: the schema's `UploadInputRequest` (`file`) as form data. */
  upload: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return http.post<ResponseOf<'/api/v1/attachments', 'post'>>(`${V1}/attachments`, form)
  },
}
