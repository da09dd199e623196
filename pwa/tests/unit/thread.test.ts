import { describe, expect, it } from 'vitest'
import {
  emptyThread,
  mergeLatestPage,
  prependPage,
  trimForStorage,
  upsertMessage,
} from '@/stores/thread'
import { message } from './fakes'

const m = (seq: number) => message({ conversation_id: 1, seq, id: 100 + seq })

describe('thread window', () => {
  it('keeps messages sorted and unique whatever the arrival order', () => {
    const t = emptyThread()
    for (const seq of [3, 1, 2, 3, 5, 4, 1]) upsertMessage(t, m(seq))
    expect(t.messages.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5])
  })

  it('merges an overlapping newest page', () => {
    const t = emptyThread()
    t.loaded = true
    for (const seq of [1, 2, 3]) upsertMessage(t, m(seq))
    mergeLatestPage(t, [m(2), m(3), m(4)], true)
    expect(t.messages.map((x) => x.seq)).toEqual([1, 2, 3, 4])
  })

  it('replaces a window that is not contiguous with the newest page', () => {
    const t = emptyThread()
    t.loaded = true
    for (const seq of [1, 2, 3]) upsertMessage(t, m(seq))
    mergeLatestPage(t, [m(50), m(51)], true)
    expect(t.messages.map((x) => x.seq)).toEqual([50, 51])
    expect(t.hasMore).toBe(true)
  })

  it('replaces a stale window but keeps messages newer than the page', () => {
    const t = emptyThread()
    for (const seq of [1, 2, 3, 60]) upsertMessage(t, m(seq))
    t.loaded = false
    mergeLatestPage(t, [m(50), m(51)], true)
    expect(t.messages.map((x) => x.seq)).toEqual([50, 51, 60])
    expect(t.loaded).toBe(true)
  })

  it('prepends older pages', () => {
    const t = emptyThread()
    for (const seq of [51, 52]) upsertMessage(t, m(seq))
    prependPage(
      t,
      Array.from({ length: 50 }, (_, i) => m(i + 1)),
      false,
    )
    expect(t.messages).toHaveLength(52)
    expect(t.messages[0]!.seq).toBe(1)
    expect(t.hasMore).toBe(false)
  })

  it('handles 1,000 messages quickly', () => {
    const t = emptyThread()
    const start = performance.now()
    for (let seq = 1; seq <= 1000; seq++) upsertMessage(t, m(seq))
    for (let seq = 1; seq <= 1000; seq += 7) upsertMessage(t, m(seq))
    expect(t.messages).toHaveLength(1000)
    expect(performance.now() - start).toBeLessThan(500)
    expect(trimForStorage(t).messages).toHaveLength(50)
    expect(trimForStorage(t).hasMore).toBe(true)
  })
})
