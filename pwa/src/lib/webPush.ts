/**
 * Web push on this device (docs/notifications.md, "Web push"): whether the
 * browser can, asking permission, subscribing with the server's VAPID key,
 * and unsubscribing. The browser and the REST calls come in as a `PushEnv`,
 * so the flow runs under vitest with a fake PushManager.
 *
 * `enablePush` must be called from a user gesture (a tap on a switch or a
 * button): it asks `Notification.requestPermission()` before its first
 * await, because Safari only allows that inside the gesture itself.
 */
import { pushApi } from '@/api/push'
import type { PushSubscriptionBody } from '@/api/types'
import { loadJson, saveJson } from './storage'

/** What this browser can do: `ios-install` = iOS Safari, push only once added to the home screen. */
export type PushSupport = 'supported' | 'unsupported' | 'ios-install' | 'insecure'

/** Why switching push on did not work; each has a Chinese explanation (i18n `push.reason.*`). */
export type PushFailure =
  Exclude<PushSupport, 'supported'> | 'denied' | 'dismissed' | 'no-worker' | 'failed'

export type PushResult = { ok: true } | { ok: false; reason: PushFailure; detail?: string }

/** The part of a browser `PushSubscription` the flow uses. */
export interface SubscriptionLike {
  endpoint: string
  options?: { applicationServerKey?: ArrayBuffer | null }
  toJSON(): { endpoint?: string; expirationTime?: number | null; keys?: Record<string, string> }
  unsubscribe(): Promise<boolean>
}

export interface PushManagerLike {
  getSubscription(): Promise<SubscriptionLike | null>
  subscribe(options: {
    userVisibleOnly: boolean
    applicationServerKey: Uint8Array
  }): Promise<SubscriptionLike>
}

export interface PushEnv {
  secure: boolean
  userAgent: string
  /** Installed to the home screen (display-mode standalone / navigator.standalone). */
  standalone: boolean
  /** Touch points: iPadOS reports a Mac user agent. */
  maxTouchPoints: number
  hasPushManager: boolean
  notification: {
    permission: NotificationPermission
    requestPermission(): Promise<NotificationPermission>
  } | null
  /** The active registration's PushManager once the worker is ready (null: no worker in time). */
  pushManager(): Promise<PushManagerLike | null>
  /** The registration's PushManager now, without waiting (null: none registered). */
  existingPushManager(): Promise<PushManagerLike | null>
  api: {
    vapidPublicKey(): Promise<{ public_key: string }>
    subscribe(body: PushSubscriptionBody): Promise<unknown>
    unsubscribe(endpoint: string): Promise<unknown>
  }
}

const READY_TIMEOUT_MS = 10_000

/** base64url (the server's VAPID public key) → the bytes `applicationServerKey` wants. */
export function base64UrlToBytes(value: string): Uint8Array {
  const padded =
    value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4)
  const raw = atob(padded)
  const out = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a) return true // unknown: keep it, the server answers 404/410 if it is stale
  const bytes = new Uint8Array(a)
  return bytes.length === b.length && bytes.every((v, i) => v === b[i])
}

function isIos(env: PushEnv): boolean {
  return (
    /iPhone|iPad|iPod/.test(env.userAgent) ||
    (/Macintosh/.test(env.userAgent) && env.maxTouchPoints > 1)
  )
}

export function pushSupport(env: PushEnv): PushSupport {
  if (!env.secure) return 'insecure'
  // iOS Safari has push only for web apps added to the home screen (iOS 16.4+).
  if (isIos(env) && !env.standalone) return 'ios-install'
  if (!env.hasPushManager || !env.notification) return 'unsupported'
  return 'supported'
}

/** The body `POST push/subscriptions` takes, from `PushSubscription.toJSON()`. */
export function subscriptionBody(subscription: SubscriptionLike): PushSubscriptionBody | null {
  const json = subscription.toJSON()
  const p256dh = json.keys?.p256dh
  const auth = json.keys?.auth
  if (!p256dh || !auth) return null
  return {
    endpoint: json.endpoint ?? subscription.endpoint,
    keys: { p256dh, auth },
    expirationTime: json.expirationTime ?? null,
  }
}

/** Whether this device is subscribed now (permission granted and a subscription exists). */
export async function isPushOn(env: PushEnv): Promise<boolean> {
  if (pushSupport(env) !== 'supported' || env.notification?.permission !== 'granted') return false
  const manager = await env.existingPushManager()
  return Boolean(manager && (await manager.getSubscription()))
}

/** Switch web push on for this device. Call from a user gesture. */
export async function enablePush(env: PushEnv): Promise<PushResult> {
  const support = pushSupport(env)
  if (support !== 'supported') return { ok: false, reason: support }
  const notification = env.notification!
  let permission = notification.permission
  if (permission === 'denied') return { ok: false, reason: 'denied' }
  // Asked before anything is awaited: the gesture must still be running.
  if (permission === 'default') permission = await notification.requestPermission()
  if (permission === 'denied') return { ok: false, reason: 'denied' }
  if (permission !== 'granted') return { ok: false, reason: 'dismissed' }
  try {
    const manager = await env.pushManager()
    if (!manager) return { ok: false, reason: 'no-worker' }
    const key = base64UrlToBytes((await env.api.vapidPublicKey()).public_key)
    let subscription = await manager.getSubscription()
    if (subscription && !sameKey(subscription.options?.applicationServerKey, key)) {
      // Subscribed under another server key: useless now, replace it.
      await subscription.unsubscribe()
      subscription = null
    }
    subscription ??= await manager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
    const body = subscriptionBody(subscription)
    if (!body) return { ok: false, reason: 'failed', detail: 'no keys' }
    await env.api.subscribe(body)
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: 'failed', detail: error instanceof Error ? error.message : '' }
  }
}

/** Switch it off: the server forgets the endpoint, the browser drops the subscription. */
export async function disablePush(env: PushEnv): Promise<void> {
  const manager = await env.existingPushManager()
  const subscription = manager ? await manager.getSubscription() : null
  if (!subscription) return
  try {
    await env.api.unsubscribe(subscription.endpoint)
  } catch {
    // Already gone on the server (subscription_not_found) or offline: still drop it here.
  }
  await subscription.unsubscribe().catch(() => false)
}

// --- the browser ------------------------------------------------------------------------

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([
    promise,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), ms)),
  ])
}

/** The real browser and REST API. */
export function browserPushEnv(): PushEnv {
  const sw = typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined
  const standalone =
    (typeof matchMedia === 'function' && matchMedia('(display-mode: standalone)').matches) ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true
  return {
    secure: typeof isSecureContext === 'boolean' ? isSecureContext : false,
    userAgent: navigator.userAgent,
    standalone,
    maxTouchPoints: navigator.maxTouchPoints ?? 0,
    hasPushManager: Boolean(sw) && typeof PushManager !== 'undefined',
    notification: typeof Notification !== 'undefined' ? Notification : null,
    async pushManager() {
      if (!sw) return null
      const registration = await withTimeout(sw.ready, READY_TIMEOUT_MS)
      return registration ? (registration.pushManager as unknown as PushManagerLike) : null
    },
    async existingPushManager() {
      const registration = sw ? await sw.getRegistration().catch(() => undefined) : undefined
      return registration ? (registration.pushManager as unknown as PushManagerLike) : null
    },
    api: pushApi,
  }
}

// --- offering it at a sensible moment ---------------------------------------------------

const OFFERED_KEY = 'push-offered'

/**
 * Whether to offer push now (after the person's first message): only once per
 * device, only where it can work and nobody has decided yet. Never on first load.
 */
export function shouldOfferPush(env: PushEnv): boolean {
  if (loadJson<boolean>(OFFERED_KEY)) return false
  if (pushSupport(env) !== 'supported') return false
  return env.notification?.permission === 'default'
}

export function markPushOffered(): void {
  saveJson(OFFERED_KEY, true)
}
