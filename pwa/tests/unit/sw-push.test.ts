import { describe, expect, it } from 'vitest'
import {
  notificationFromPayload,
  parsePayload,
  pickClient,
  safePath,
  someoneIsLooking,
} from '../../build/sw-push'

const ORIGIN = 'https://zt.example.gov.cn'

describe('service worker: push payload → notification', () => {
  it('shows the payload, grouped by its tag, opening its path', () => {
    const shown = notificationFromPayload(
      {
        id: 7,
        kind: 'message',
        title: '王建国(全市项目调度群)',
        body: '请各单位今晚上报',
        url: '/chats/12?seq=345',
        tag: 'conv:12',
        urgent: false,
        ts: 1_700_000_000_000,
      },
      ORIGIN,
    )
    expect(shown.title).toBe('王建国(全市项目调度群)')
    expect(shown.options).toMatchObject({
      body: '请各单位今晚上报',
      tag: 'conv:12',
      renotify: false,
      requireInteraction: false,
      timestamp: 1_700_000_000_000,
      data: { url: '/chats/12?seq=345', id: 7, kind: 'message', urgent: false },
    })
    expect(shown.options.vibrate).toBeUndefined()
  })

  it('加急 alerts again, stays, vibrates and says so', () => {
    const shown = notificationFromPayload(
      { title: '王建国', body: '防汛紧急通知', tag: 'conv:12', urgent: true, url: '/chats/12' },
      ORIGIN,
    )
    expect(shown.title).toBe('【加急】王建国')
    expect(shown.options.renotify).toBe(true)
    expect(shown.options.requireInteraction).toBe(true)
    expect(shown.options.vibrate?.length).toBeGreaterThan(0)
  })

  it('an empty or unreadable push still says something, and opens the app', () => {
    expect(parsePayload(null)).toEqual({})
    expect(parsePayload('not json')).toEqual({ body: 'not json' })
    const shown = notificationFromPayload(parsePayload(''), ORIGIN)
    expect(shown.title).toBe('政通')
    expect(shown.options.body).toBe('您有一条新消息')
    expect(shown.options.data.url).toBe('/')
    expect(shown.options.tag).toBe('zt')
  })

  it('never opens another site', () => {
    expect(safePath('https://evil.example/x', ORIGIN)).toBe('/')
    expect(safePath('//evil.example/x', ORIGIN)).toBe('/')
    expect(safePath(`${ORIGIN}/approvals/3`, ORIGIN)).toBe('/approvals/3')
    expect(safePath(42, ORIGIN)).toBe('/')
  })
})

describe('service worker: tabs', () => {
  const hidden = { url: `${ORIGIN}/chats`, visibilityState: 'hidden', focused: false }
  const visible = { url: `${ORIGIN}/me`, visibilityState: 'visible', focused: false }
  const focused = { url: `${ORIGIN}/chats/3`, visibilityState: 'visible', focused: true }

  it('a visible tab gets no OS notification; hidden tabs do', () => {
    expect(someoneIsLooking([hidden])).toBe(false)
    expect(someoneIsLooking([])).toBe(false)
    expect(someoneIsLooking([hidden, visible])).toBe(true)
  })

  it('a tap brings the focused tab, else a visible one, else any; none = open a window', () => {
    expect(pickClient([hidden, visible, focused])).toBe(focused)
    expect(pickClient([hidden, visible])).toBe(visible)
    expect(pickClient([hidden])).toBe(hidden)
    expect(pickClient([])).toBeNull()
  })
})
