/** One function per REST endpoint the PWA uses. */
import { http } from './http'
import type {
  Attachment,
  ConversationItem,
  Department,
  Me,
  Member,
  Message,
  MessagePage,
  Person,
  ReceiptCount,
  ReceiptLists,
  Unit,
} from './types'

const V1 = '/api/v1'

export const authApi = {
  csrf: () => http.get<unknown>(`${V1}/auth/csrf`),
  login: (mobile: string, password: string) =>
    http.post<{ user: Me }>(`${V1}/auth/login`, { mobile, password }),
  logout: () => http.post<void>(`${V1}/auth/logout`),
  me: () => http.get<Me>(`${V1}/me`),
}

export const directoryApi = {
  units: () => http.get<Unit[]>(`${V1}/directory/units`),
  departments: (unitId: number) =>
    http.get<Department[]>(`${V1}/directory/units/${unitId}/departments`),
  people: (departmentId: number) =>
    http.get<Person[]>(`${V1}/directory/departments/${departmentId}/people`),
  search: (q: string) => http.get<Person[]>(`${V1}/directory/search`, { query: { q } }),
  person: (id: number) => http.get<Person>(`${V1}/people/${id}`),
}

export interface SendBody {
  text?: string
  client_id: string
  attachment_id?: string
  reply_to?: number
  mentions?: number[]
  mention_all?: boolean
}

export const conversationApi = {
  list: () => http.get<ConversationItem[]>(`${V1}/conversations`),
  get: (id: number) => http.get<ConversationItem>(`${V1}/conversations/${id}`),
  createDirect: (userId: number) =>
    http.post<ConversationItem>(`${V1}/conversations`, { kind: 'direct', user_id: userId }),
  createGroup: (name: string, memberIds: number[]) =>
    http.post<ConversationItem>(`${V1}/conversations`, {
      kind: 'group',
      name,
      member_ids: memberIds,
    }),
  rename: (id: number, name: string) =>
    http.patch<ConversationItem>(`${V1}/conversations/${id}`, { name }),
  members: (id: number) => http.get<Member[]>(`${V1}/conversations/${id}/members`),
  addMembers: (id: number, userIds: number[]) =>
    http.post<unknown>(`${V1}/conversations/${id}/members`, { user_ids: userIds }),
  removeMember: (id: number, userId: number) =>
    http.delete<unknown>(`${V1}/conversations/${id}/members/${userId}`),
  leave: (id: number) => http.post<unknown>(`${V1}/conversations/${id}/leave`),
  dissolve: (id: number) => http.post<unknown>(`${V1}/conversations/${id}/dissolve`),
  transfer: (id: number, userId: number) =>
    http.post<unknown>(`${V1}/conversations/${id}/transfer`, { user_id: userId }),
  settings: (id: number, settings: { muted?: boolean; pinned?: boolean }) =>
    http.patch<unknown>(`${V1}/conversations/${id}/settings`, settings),
  messages: (id: number, beforeSeq?: number, limit = 50) =>
    http.get<MessagePage>(`${V1}/conversations/${id}/messages`, {
      query: { before_seq: beforeSeq, limit },
    }),
  send: (id: number, body: SendBody) =>
    http.post<Message>(`${V1}/conversations/${id}/messages`, body),
  read: (id: number, seq: number) =>
    http.post<{ last_read_seq: number }>(`${V1}/conversations/${id}/read`, { seq }),
  receiptCounts: (id: number, seqs: number[]) =>
    http.get<{ counts: Record<string, ReceiptCount> }>(`${V1}/conversations/${id}/receipts`, {
      query: { seqs: seqs.join(',') },
    }),
}

export const messageApi = {
  receipts: (id: number) => http.get<ReceiptLists>(`${V1}/messages/${id}/receipts`),
  recall: (id: number) => http.post<Message>(`${V1}/messages/${id}/recall`),
  search: (q: string, conversationId?: number) =>
    http.get<Message[]>(`${V1}/messages/search`, {
      query: { q, conversation_id: conversationId },
    }),
}

export const attachmentApi = {
  upload: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return http.post<Attachment>(`${V1}/attachments`, form)
  },
}
