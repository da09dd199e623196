/**
 * The pure half of the service worker's push handling (docs/notifications.md,
 * "Payload"): what a push payload becomes on the screen, whether to show it,
 * and which tab a tap opens. sw-plugin.ts compiles this file into sw.js as
 * `ztPush`; tests/unit/sw-push.test.ts runs it under vitest. No browser
 * globals here: the worker passes in what it knows.
 */

/** The JSON the server sends (push/webpush.py `payload_for`). */
export interface PushPayload {
  id?: number
  kind?: string
  title?: string
  body?: string
  url?: string
  tag?: string
  urgent?: boolean
  ts?: number
}

export interface ShownNotification {
  title: string
  options: {
    body: string
    tag: string
    renotify: boolean
    requireInteraction: boolean
    silent: boolean
    icon: string
    badge: string
    timestamp?: number
    vibrate?: number[]
    data: { url: string; id: number | null; kind: string; urgent: boolean }
  }
}

/** What a window client looks like to this code (the worker's `WindowClient`). */
export interface ClientLike {
  url: string
  visibilityState: string
  focused: boolean
}

export const APP_NAME = '政通'
export const GENERIC_BODY = '您有一条新消息'
const ICON = '/icons/icon-192.png'
const BADGE = '/icons/icon-192.png'

/** The push's data as JSON; a push without a readable payload still tells the person something. */
export function parsePayload(text: string | null | undefined): PushPayload {
  if (!text) return {}
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' ? (value as PushPayload) : {}
  } catch {
    return { body: text.slice(0, 200) }
  }
}

/** Only a path of this app: a payload never sends the person elsewhere. */
export function safePath(url: unknown, origin: string): string {
  if (typeof url !== 'string' || !url) return '/'
  try {
    const parsed = new URL(url, origin)
    if (parsed.origin !== origin) return '/'
    return parsed.pathname + parsed.search + parsed.hash
  } catch {
    return '/'
  }
}

/**
 * The notification for a payload. `tag` groups one conversation (a newer push
 * replaces the older one); 加急 alerts again (`renotify`), stays until touched
 * and vibrates like a call.
 */
export function notificationFromPayload(payload: PushPayload, origin: string): ShownNotification {
  const urgent = payload.urgent === true
  const tag = typeof payload.tag === 'string' && payload.tag ? payload.tag : 'zt'
  return {
    title: (urgent ? '【加急】' : '') + (payload.title || APP_NAME),
    options: {
      body: payload.body || GENERIC_BODY,
      tag,
      renotify: urgent,
      requireInteraction: urgent,
      silent: false,
      icon: ICON,
      badge: BADGE,
      ...(typeof payload.ts === 'number' ? { timestamp: payload.ts } : {}),
      ...(urgent ? { vibrate: [400, 200, 400, 200, 400] } : {}),
      data: {
        url: safePath(payload.url, origin),
        id: typeof payload.id === 'number' ? payload.id : null,
        kind: payload.kind ?? 'message',
        urgent,
      },
    },
  }
}

/** A tab of the app someone is looking at gets no OS notification (the app shows it live). */
export function someoneIsLooking(clients: readonly ClientLike[]): boolean {
  return clients.some((client) => client.visibilityState === 'visible')
}

/** The tab a tap brings forward: the focused one, else a visible one, else any; none = open one. */
export function pickClient<C extends ClientLike>(clients: readonly C[]): C | null {
  return (
    clients.find((c) => c.focused) ??
    clients.find((c) => c.visibilityState === 'visible') ??
    clients[0] ??
    null
  )
}

/** The message the worker posts to the page: "route to this path" (lib/sw.ts listens). */
export const OPEN_MESSAGE = 'zt-open'
