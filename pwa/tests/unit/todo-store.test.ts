import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TodoList } from '@/api/approvalTypes'
import { bindStores } from '@/realtime'
import { routeEvent } from '@/realtime/router'
import { onCardUpdated, onTodoChanged } from '@/realtime/subscriptions'
import { countsFromEvent, useTodoStore } from '@/stores/todo'
import { fakeClient } from './fakes'

/** `fetch` answering GET /api/v1/todo with the next of `pages` (the last one repeats). */
function mockTodoFetch(...pages: TodoList[]) {
  let call = 0
  const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input)
    if (!url.startsWith('/api/v1/todo')) return new Response('{}', { status: 404 })
    const page = pages[Math.min(call, pages.length - 1)]!
    call += 1
    return new Response(JSON.stringify(page), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    })
  })
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

const ITEM = {
  app: 'approvals',
  kind: 'approve',
  id: '51',
  title: '张晓明的请假申请',
  subtitle: '事假 3天',
  link: '/approvals/51',
  created_at: '2026-11-21T09:00:00+08:00',
  due_at: null,
  overdue: false,
}

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('todo store', () => {
  it('loads items and counts', async () => {
    const fetchMock = mockTodoFetch({ items: [ITEM], counts: { total: 1, approvals: 1 } })
    const todo = useTodoStore()
    await todo.refresh()
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(todo.items).toHaveLength(1)
    expect(todo.total).toBe(1)
    expect(todo.countOf('approvals')).toBe(1)
    expect(todo.loaded).toBe(true)
  })

  it('shows the counts a todo.changed event carries at once, then refetches', async () => {
    const fetchMock = mockTodoFetch({
      items: [ITEM, { ...ITEM, id: '52' }],
      counts: { total: 2, approvals: 2 },
    })
    const todo = useTodoStore()
    const changes = vi.fn()
    const unsubscribe = onTodoChanged(changes)
    routeEvent({
      type: 'event',
      event: 'todo.changed',
      conversation_id: 0,
      data: { counts: { total: 2, approvals: 2 } },
    })
    unsubscribe()
    expect(todo.total).toBe(2)
    expect(todo.countOf('approvals')).toBe(2)
    expect(changes).toHaveBeenCalledTimes(1)
    expect(fetchMock).not.toHaveBeenCalled() // debounced
    await vi.advanceTimersByTimeAsync(300)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(todo.items).toHaveLength(2)
  })

  it('coalesces a burst of doorbells into one refetch', async () => {
    const fetchMock = mockTodoFetch({ items: [], counts: { total: 0, approvals: 0 } })
    const changes = vi.fn()
    const unsubscribe = onTodoChanged(changes)
    for (let i = 0; i < 5; i++)
      routeEvent({ type: 'event', event: 'todo.changed', conversation_id: 0, data: {} })
    unsubscribe()
    await vi.advanceTimersByTimeAsync(300)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(changes).toHaveBeenCalledTimes(5)
  })

  it('reads counts from every shape the event may take', () => {
    expect(countsFromEvent({ data: { counts: { total: 3, approvals: 1 } } })).toEqual({
      total: 3,
      approvals: 1,
    })
    expect(countsFromEvent({ data: { total: 4 } })).toEqual({ total: 4 })
    expect(countsFromEvent({ counts: { total: 5, approvals: 2 } })).toEqual({
      total: 5,
      approvals: 2,
    })
    expect(countsFromEvent({ data: {} })).toBeNull()
  })

  it('signals approval card updates (for the detail screen)', () => {
    const approvalUpdates = vi.fn()
    const unsubscribe = onCardUpdated('approval', '51', approvalUpdates)
    routeEvent({
      type: 'event',
      event: 'card.updated',
      conversation_id: 3,
      pos: 88,
      data: { card_type: 'approval', object_id: '51', view: null },
    })
    expect(approvalUpdates).toHaveBeenCalledTimes(1)
    routeEvent({
      type: 'event',
      event: 'card.updated',
      conversation_id: 3,
      pos: 89,
      data: { card_type: 'document', object_id: '9', view: null },
    })
    unsubscribe()
    expect(approvalUpdates).toHaveBeenCalledTimes(1)
  })

  it('reset forgets everything (logout)', async () => {
    mockTodoFetch({ items: [ITEM], counts: { total: 1, approvals: 1 } })
    const todo = useTodoStore()
    await todo.refresh()
    todo.reset()
    expect(todo.total).toBe(0)
    expect(todo.items).toEqual([])
    expect(todo.loaded).toBe(false)
  })
})

describe('todo over the socket', () => {
  function setup() {
    const { client, socket, scheduler, connect } = fakeClient({ random: () => 0.5 })
    const unbind = bindStores(client, () => undefined)
    return { client, socket, scheduler, connect, unbind }
  }

  it('refetches after the first connect and after every reconnect', async () => {
    const fetchMock = mockTodoFetch(
      { items: [ITEM], counts: { total: 1, approvals: 1 } },
      { items: [], counts: { total: 0, approvals: 0 } },
    )
    const t = setup()
    const todo = useTodoStore()
    t.client.start()
    await t.connect()
    await vi.advanceTimersByTimeAsync(0)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(todo.total).toBe(1)

    // The link drops; while away, someone approved (the doorbell is lost).
    t.socket().drop()
    t.scheduler.advance(1_000)
    await t.connect()
    await vi.advanceTimersByTimeAsync(0)
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(todo.total).toBe(0)
    t.client.stop()
    for (const fn of t.unbind) fn()
  })

  it('applies todo.changed events, wrapped or as a bare frame', async () => {
    mockTodoFetch({ items: [], counts: { total: 7, approvals: 4 } })
    const t = setup()
    const todo = useTodoStore()
    const changes = vi.fn()
    const unsubscribe = onTodoChanged(changes)
    t.client.start()
    await t.connect()
    t.socket().receive({
      type: 'event',
      event: 'todo.changed',
      data: { counts: { total: 3, approvals: 2 } },
    })
    expect(todo.total).toBe(3)
    expect(todo.countOf('approvals')).toBe(2)
    t.socket().receive({ type: 'todo.changed', counts: { total: 5, approvals: 3 } })
    expect(todo.total).toBe(5)
    expect(changes).toHaveBeenCalledTimes(2)
    unsubscribe()
    await vi.advanceTimersByTimeAsync(300)
    expect(todo.total).toBe(7) // the refetch has the last word
    t.client.stop()
    for (const fn of t.unbind) fn()
  })
})
