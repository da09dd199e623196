/**
 * fetch with the server's conventions: same-origin cookies, the CSRF header
 * on every non-GET request, and one error type whose `message` is what the
 * user should read (the server's Chinese message, or ours for network trouble).
 */
import type { ApiErrorBody } from './types'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: ApiErrorBody['error']['fields'],
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** The request never reached the server (offline, server down). */
  get isNetwork(): boolean {
    return this.status === 0
  }
}

export const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler | null = null

/** Called once by the session store: a 401 anywhere means "log in again". */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return null
}

let csrfPromise: Promise<void> | null = null

export async function ensureCsrf(force = false): Promise<void> {
  if (!force && readCookie('csrftoken')) return
  if (!csrfPromise) {
    csrfPromise = request('GET', '/api/v1/auth/csrf')
      .then(() => undefined)
      .finally(() => {
        csrfPromise = null
      })
  }
  return csrfPromise
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>
  signal?: AbortSignal
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

async function parseError(response: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> | null = null
  try {
    body = (await response.json()) as Partial<ApiErrorBody>
  } catch {
    body = null
  }
  const error = body?.error
  if (error && typeof error.message === 'string') {
    return new ApiError(response.status, error.code ?? 'error', error.message, error.fields)
  }
  const fallback =
    response.status >= 500 ? '服务器暂时不可用，请稍后再试' : `请求失败（${response.status}）`
  return new ApiError(response.status, `http_${response.status}`, fallback)
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let payload: BodyInit | undefined
  if (method !== 'GET') {
    if (!readCookie('csrftoken') && path !== '/api/v1/auth/csrf') await ensureCsrf()
    const token = readCookie('csrftoken')
    if (token) headers['X-CSRFToken'] = token
  }
  if (body instanceof FormData) {
    payload = body
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let response: Response
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: payload,
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError(0, 'network', NETWORK_MESSAGE)
  }
  if (!response.ok) {
    const error = await parseError(response)
    if (
      response.status === 401 ||
      (response.status === 403 &&
        ['not_authenticated', 'authentication_failed'].includes(error.code))
    ) {
      onUnauthorized?.()
    }
    throw error
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const http = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, body ?? {}, options),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  /** A body only where the server reads one (e.g. which push endpoint to remove). */
  delete: <T>(path: string, body?: unknown) => request<T>('DELETE', path, body),
}

/** Errors → the sentence to show. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error && error.message) return error.message
  return '操作失败，请重试'
}
