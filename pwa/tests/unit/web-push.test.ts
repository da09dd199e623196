import { beforeEach, describe, expect, it } from 'vitest'
import type { PushSubscriptionBody } from '@/api/types'
import {
  base64UrlToBytes,
  disablePush,
  enablePush,
  isPushOn,
  markPushOffered,
  pushSupport,
  shouldOfferPush,
  type PushEnv,
  type PushManagerLike,
  type SubscriptionLike,
} from '@/lib/webPush'

// A P-256 public key as the server gives it (65 bytes, base64url).
const KEY =
  'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM'

class FakeSubscription implements SubscriptionLike {
  unsubscribed = false
  constructor(
    public endpoint: string,
    public options: { applicationServerKey: ArrayBuffer | null },
  ) {}
  toJSON() {
    return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: 'p', auth: 'a' } }
  }
  async unsubscribe() {
    this.unsubscribed = true
    return true
  }
}

class FakePushManager implements PushManagerLike {
  current: FakeSubscription | null = null
  subscribed: Uint8Array[] = []
  async getSubscription() {
    return this.current && !this.current.unsubscribed ? this.current : null
  }
  async subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) {
    expect(options.userVisibleOnly).toBe(true)
    this.subscribed.push(options.applicationServerKey)
    this.current = new FakeSubscription(`https://push.example/${this.subscribed.length}`, {
      applicationServerKey: options.applicationServerKey.slice().buffer,
    })
    return this.current
  }
}

interface Calls {
  asked: number
  posted: PushSubscriptionBody[]
  deleted: string[]
}

function env(
  overrides: Partial<PushEnv> = {},
  permission: NotificationPermission = 'default',
  answer: NotificationPermission = 'granted',
) {
  const manager = new FakePushManager()
  const calls: Calls = { asked: 0, posted: [], deleted: [] }
  const notification = {
    permission,
    async requestPermission() {
      calls.asked++
      notification.permission = answer
      return answer
    },
  }
  const value: PushEnv = {
    secure: true,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140',
    standalone: false,
    maxTouchPoints: 0,
    hasPushManager: true,
    notification,
    pushManager: async () => manager,
    existingPushManager: async () => manager,
    api: {
      vapidPublicKey: async () => ({ public_key: KEY }),
      subscribe: async (body) => void calls.posted.push(body),
      unsubscribe: async (endpoint) => void calls.deleted.push(endpoint),
    },
    ...overrides,
  }
  return { env: value, manager, calls }
}

beforeEach(() => localStorage.clear())

describe('web push: what the browser can do', () => {
  it('iOS Safari outside the home screen is told to install; plain http cannot', () => {
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1'
    expect(pushSupport(env({ userAgent: iphone }).env)).toBe('ios-install')
    expect(pushSupport(env({ userAgent: iphone, standalone: true }).env)).toBe('supported')
    const ipad = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15'
    expect(pushSupport(env({ userAgent: ipad, maxTouchPoints: 5 }).env)).toBe('ios-install')
    expect(pushSupport(env({ secure: false }).env)).toBe('insecure')
    expect(pushSupport(env({ hasPushManager: false }).env)).toBe('unsupported')
  })

  it('decodes the base64url VAPID key to its 65 bytes', () => {
    const bytes = base64UrlToBytes(KEY)
    expect(bytes.length).toBe(65)
    expect(bytes[0]).toBe(4)
  })
})

describe('web push: switching on and off', () => {
  it('asks, subscribes with the server key and posts the subscription', async () => {
    const { env: e, manager, calls } = env()
    expect(await isPushOn(e)).toBe(false)
    expect(await enablePush(e)).toEqual({ ok: true })
    expect(calls.asked).toBe(1)
    expect(manager.subscribed[0]).toEqual(base64UrlToBytes(KEY))
    expect(calls.posted).toEqual([
      {
        endpoint: 'https://push.example/1',
        keys: { p256dh: 'p', auth: 'a' },
        expirationTime: null,
      },
    ])
    expect(await isPushOn(e)).toBe(true)

    // Again: the same subscription is posted again, not a new one.
    expect(await enablePush(e)).toEqual({ ok: true })
    expect(manager.subscribed).toHaveLength(1)
    expect(calls.asked).toBe(1)

    await disablePush(e)
    expect(calls.deleted).toEqual(['https://push.example/1'])
    expect(manager.current?.unsubscribed).toBe(true)
    expect(await isPushOn(e)).toBe(false)
  })

  it('a subscription made under another server key is replaced', async () => {
    const { env: e, manager } = env({}, 'granted')
    manager.current = new FakeSubscription('https://push.example/old', {
      applicationServerKey: new Uint8Array(65).fill(9).buffer,
    })
    const old = manager.current
    expect(await enablePush(e)).toEqual({ ok: true })
    expect(old.unsubscribed).toBe(true)
    expect(manager.current.endpoint).toBe('https://push.example/1')
  })

  it('refused, dismissed, blocked earlier, no worker: nothing is subscribed', async () => {
    const refused = env({}, 'default', 'denied')
    expect(await enablePush(refused.env)).toEqual({ ok: false, reason: 'denied' })
    const dismissed = env({}, 'default', 'default')
    expect(await enablePush(dismissed.env)).toEqual({ ok: false, reason: 'dismissed' })
    const blocked = env({}, 'denied')
    expect(await enablePush(blocked.env)).toEqual({ ok: false, reason: 'denied' })
    expect(blocked.calls.asked).toBe(0)
    const noWorker = env({ pushManager: async () => null })
    expect(await enablePush(noWorker.env)).toEqual({ ok: false, reason: 'no-worker' })
    for (const { calls } of [refused, dismissed, blocked, noWorker])
      expect(calls.posted).toEqual([])
  })

  it('the server refusing the subscription is a failure with its message', async () => {
    const { env: e } = env({
      api: {
        vapidPublicKey: async () => ({ public_key: KEY }),
        subscribe: async () => Promise.reject(new Error('推送地址必须是 https')),
        unsubscribe: async () => undefined,
      },
    })
    expect(await enablePush(e)).toEqual({
      ok: false,
      reason: 'failed',
      detail: '推送地址必须是 https',
    })
  })

  it('offered once, after the first message, only where it can work', () => {
    const { env: e } = env()
    expect(shouldOfferPush(e)).toBe(true)
    markPushOffered()
    expect(shouldOfferPush(e)).toBe(false)
    localStorage.clear()
    expect(shouldOfferPush(env({}, 'granted').env)).toBe(false)
    expect(shouldOfferPush(env({ secure: false }).env)).toBe(false)
  })
})
