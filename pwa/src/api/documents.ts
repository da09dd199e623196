/**
 * The 公文 REST API (`/api/v1/documents/…`, docs/documents.md): one function
 * per endpoint, bodies and answers typed from the generated schema (`paths`).
 */
import { http } from './http'
import type {
  DocActBody,
  DocListQuery,
  DocSubmitBody,
  ReceiptActBody,
  ReceiptRegisterBody,
} from './documentTypes'
import type { RequestOf, ResponseOf } from './types'

const D = '/api/v1/documents'

type Docs = '/api/v1/documents'
type Doc = '/api/v1/documents/{document_id}'
type Rcpt = '/api/v1/documents/receipts/{receipt_id}'

function upload(path: string, file: Blob, name: string, extra: Record<string, string> = {}) {
  const form = new FormData()
  form.append('file', file, name)
  for (const [key, value] of Object.entries(extra)) form.append(key, value)
  return http.post<ResponseOf<`${Docs}/files`, 'post'>>(path, form)
}

export const documentsApi = {
  meta: () => http.get<ResponseOf<`${Docs}/meta`, 'get'>>(`${D}/meta`),
  list: (query: DocListQuery) =>
    http.get<ResponseOf<Docs, 'get'>>(D, { query: { ...query, q: query.q?.trim() } }),
  counts: () => http.get<ResponseOf<`${Docs}/counts`, 'get'>>(`${D}/counts`),
  create: (body: DocSubmitBody) => http.post<ResponseOf<Docs, 'post'>>(D, body),
  get: (id: number) => http.get<ResponseOf<Doc, 'get'>>(`${D}/${id}`),
  act: (id: number, body: DocActBody) =>
    http.post<ResponseOf<`${Doc}/actions`, 'post'>>(`${D}/${id}/actions`, body),
  archive: (id: number) => http.post<ResponseOf<`${Doc}/archive`, 'post'>>(`${D}/${id}/archive`),
  redistribute: (id: number, unitId: number) =>
    http.post<ResponseOf<`${Doc}/redistribute`, 'post'>>(`${D}/${id}/redistribute`, {
      unit_id: unitId,
    } satisfies RequestOf<`${Doc}/redistribute`, 'post'>),
  layout: (id: number) => http.get<ResponseOf<`${Doc}/layout`, 'get'>>(`${D}/${id}/layout`),
  /** A 正文 file (`main`) or an 附件: the answer's `id` is the token to submit. */
  uploadFile: (file: File, main: boolean) =>
    upload(`${D}/files`, file, file.name, main ? { main: '1' } : {}),
  /** A 手写签批 PNG: the answer's `id` goes in an action's `handwriting`. */
  uploadHandwriting: (png: Blob) => upload(`${D}/handwriting`, png, 'handwriting.png'),
  receipt: (id: number) => http.get<ResponseOf<Rcpt, 'get'>>(`${D}/receipts/${id}`),
  sign: (id: number) => http.post<ResponseOf<`${Rcpt}/sign`, 'post'>>(`${D}/receipts/${id}/sign`),
  refuse: (id: number, reason: string) =>
    http.post<ResponseOf<`${Rcpt}/refuse`, 'post'>>(`${D}/receipts/${id}/refuse`, {
      reason,
    } satisfies RequestOf<`${Rcpt}/refuse`, 'post'>),
  register: (id: number, body: ReceiptRegisterBody) =>
    http.post<ResponseOf<`${Rcpt}/register`, 'post'>>(`${D}/receipts/${id}/register`, body),
  actReceipt: (id: number, body: ReceiptActBody) =>
    http.post<ResponseOf<`${Rcpt}/actions`, 'post'>>(`${D}/receipts/${id}/actions`, body),
  phrases: () => http.get<ResponseOf<`${Docs}/phrases`, 'get'>>(`${D}/phrases`),
  addPhrase: (text: string) =>
    http.post<ResponseOf<`${Docs}/phrases`, 'post'>>(`${D}/phrases`, {
      text,
    } satisfies RequestOf<`${Docs}/phrases`, 'post'>),
  deletePhrase: (id: number) =>
    http.delete<ResponseOf<`${Docs}/phrases/{phrase_id}`, 'delete'>>(`${D}/phrases/${id}`),
}
