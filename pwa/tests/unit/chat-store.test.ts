import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Message } from '@/api/types'
import { ProtocolError, type ServerEvent } from '@/realtime/protocol'
import { routeEvent } from '@/realtime/router'
import {
  useChatStore,
  useConversationsStore,
  useMessagesStore,
  useOutboxStore,
  useReceiptsStore,
  type RealtimeLink,
} from '@/stores/chat'
import { ALICE, BOB, conversation, flush, ME, message } from './fakes'

const api = vi.hoisted(() => ({
  conversationApi: {
    list: vi.fn(),
    get: vi.fn(),
    messages: vi.fn(),
    receiptCounts: vi.fn(),
    read: vi.fn(),
  },
  messageApi: { receipts: vi.fn(), recall: vi.fn() },
}))
vi.mock('@/api/endpoints', () => api)

/** A link without a socket: positions in a map, sends through a mock. */
function fakeLink(open = true) {
  const positions = new Map<number, number>()
  const link = {
    isOpen: open,
    getPosition: (id: number) => positions.get(id),
    setPosition: (id: number, pos: number, force = false) => {
      const cur = positions.get(id)
      if (force || cur === undefined || pos > cur) positions.set(id, pos)
    },
    forget: (id: number) => void positions.delete(id),
    snapshotPositions: () => Object.fromEntries([...positions].map(([k, v]) => [String(k), v])),
    loadPositions: (p: Record<string, number>) => {
      positions.clear()
      for (const [k, v] of Object.entries(p)) positions.set(Number(k), v)
    },
    send: vi.fn<RealtimeLink['send']>(),
    read: vi.fn<RealtimeLink['read']>().mockResolvedValue(0),
    recall: vi.fn<RealtimeLink['recall']>(),
    typing: vi.fn(),
  }
  return { link, positions }
}

function event(e: Partial<ServerEvent> & { event: string; conversation_id: number }): ServerEvent {
  return { type: 'event', data: {}, ...e }
}

// The per-entity stores of the test's pinia (set by setupStore).
let conversations: ReturnType<typeof useConversationsStore>
let messages: ReturnType<typeof useMessagesStore>
let outbox: ReturnType<typeof useOutboxStore>
let receipts: ReturnType<typeof useReceiptsStore>

function setupStore(open = true) {
  setActivePinia(createPinia())
  const chat = useChatStore()
  conversations = useConversationsStore()
  messages = useMessagesStore()
  outbox = useOutboxStore()
  receipts = useReceiptsStore()
  const { link, positions } = fakeLink(open)
  chat.attach(link)
  chat.hydrate(ME)
  conversations.listLoaded = true
  return { chat, link, positions, outbox }
}

/** A group conversation 7 whose newest messages (seq 1..n) are loaded. */
function withLoadedThread(chat: ReturnType<typeof useChatStore>, n = 3, members = 4) {
  conversations.upsert(
    conversation({ id: 7, last_seq: n, last_pos: n, last_read_seq: n, member_count: members }),
  )
  const t = messages.thread(7)
  for (let seq = 1; seq <= n; seq++)
    t.messages.push(message({ conversation_id: 7, seq, id: 100 + seq }))
  t.loaded = true
  t.hasMore = false
  return t
}

beforeEach(() => {
  localStorage.clear()
  vi.clearAllMocks()
  api.conversationApi.receiptCounts.mockResolvedValue({ counts: {} })
})

describe('merging message events', () => {
  it('appends a new message, moves the list row and counts it unread', () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    const m = message({ conversation_id: 7, seq: 4, id: 104 })
    routeEvent(event({ event: 'message.new', conversation_id: 7, pos: 4, message: m }))
    const item = conversations.byId.get(7)!
    expect(messages.thread(7).messages.map((x) => x.seq)).toEqual([1, 2, 3, 4])
    expect(item.last_message?.id).toBe(104)
    expect(item.unread_count).toBe(1)
    expect(item.last_pos).toBe(4)
    expect(conversations.totalUnread).toBe(1)
  })

  it('never shows a message twice (event, ack and REST page of the same message)', async () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    const m = message({
      conversation_id: 7,
      seq: 4,
      id: 104,
      sender: { id: ME, name: '我', avatar: null, is_bot: false },
    })
    messages.applyMessage(m) // the ack
    routeEvent(event({ event: 'message.new', conversation_id: 7, pos: 4, message: m }))
    api.conversationApi.messages.mockResolvedValue({ messages: [m], has_more: false })
    await messages.loadLatest(7)
    expect(messages.thread(7).messages.filter((x) => x.id === 104)).toHaveLength(1)
  })

  it('my own messages are not unread; mentions of me are counted', () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    messages.applyMessage(
      message({
        conversation_id: 7,
        seq: 4,
        sender: { id: ME, name: '我', avatar: null, is_bot: false },
      }),
    )
    expect(conversations.byId.get(7)!.unread_count).toBe(0)
    messages.applyMessage(message({ conversation_id: 7, seq: 5, mentions: [ME] }))
    messages.applyMessage(message({ conversation_id: 7, seq: 6, mention_all: true }))
    messages.applyMessage(message({ conversation_id: 7, seq: 7, mentions: [BOB] }))
    const item = conversations.byId.get(7)!
    expect(item.unread_count).toBe(3)
    expect(item.mention_count).toBe(2)
  })

  it('updates only the list row when the conversation is not open', () => {
    setupStore()
    conversations.upsert(conversation({ id: 9, last_seq: 2, last_pos: 2, last_read_seq: 2 }))
    routeEvent(
      event({
        event: 'message.new',
        conversation_id: 9,
        pos: 3,
        message: message({ conversation_id: 9, seq: 3 }),
      }),
    )
    expect(messages.threads.get(9)?.messages ?? []).toHaveLength(0)
    expect(conversations.byId.get(9)!.unread_count).toBe(1)
  })

  it('recall replaces the message, and a stale page cannot bring it back', async () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    const original = messages.thread(7).messages[2]!
    const recalled: Message = { ...original, recalled: true, text: '', recalled_by: ALICE }
    routeEvent(event({ event: 'message.recalled', conversation_id: 7, pos: 4, message: recalled }))
    expect(messages.thread(7).messages[2]!.recalled).toBe(true)
    api.conversationApi.messages.mockResolvedValue({ messages: [original], has_more: false })
    await messages.loadLatest(7)
    expect(messages.thread(7).messages.find((m) => m.id === original.id)!.recalled).toBe(true)
  })

  it('card.updated refreshes every message showing that object', () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    const card = { card_type: 'approval', object_id: 'A1', view: null }
    messages.applyMessage(message({ conversation_id: 7, seq: 4, kind: 'card', card }))
    const view = {
      title: '请假',
      status: 'approved',
      status_label: '已通过',
      fields: [],
      actions: [],
    }
    routeEvent(
      event({
        event: 'card.updated',
        conversation_id: 7,
        pos: 5,
        data: { card_type: 'approval', object_id: 'A1', view },
      }),
    )
    expect(messages.thread(7).messages.at(-1)!.card!.view).toEqual(view)
  })

  it('removes the conversation when I am removed, and flags it if I was looking at it', () => {
    const { chat, positions } = setupStore()
    withLoadedThread(chat)
    conversations.setActive(7)
    routeEvent(
      event({
        event: 'member.removed',
        conversation_id: 7,
        pos: 4,
        data: { user_ids: [ME], by: ALICE },
      }),
    )
    expect(conversations.byId.has(7)).toBe(false)
    expect(positions.has(7)).toBe(false)
    expect(conversations.removedNotice).toBe(7)
  })

  it('conversation.updated renames; dissolved closes; membership.updated re-sorts', () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    conversations.upsert(conversation({ id: 8, last_message_at: '2030-01-01T00:00:00Z' }))
    routeEvent(
      event({
        event: 'conversation.updated',
        conversation_id: 7,
        pos: 4,
        data: { conversation: { id: 7, name: '新名字' } },
      }),
    )
    expect(conversations.byId.get(7)!.name).toBe('新名字')
    expect(conversations.sorted[0]!.id).toBe(8)
    routeEvent(
      event({
        event: 'membership.updated',
        conversation_id: 7,
        data: { pinned: true, muted: true },
      }),
    )
    expect(conversations.sorted[0]!.id).toBe(7)
    routeEvent(event({ event: 'conversation.dissolved', conversation_id: 7, pos: 5 }))
    expect(conversations.byId.get(7)!.dissolved).toBe(true)
  })
})

describe('snapshots and resync', () => {
  it('ignores a REST snapshot older than what events already brought', () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    routeEvent(
      event({
        event: 'message.new',
        conversation_id: 7,
        pos: 4,
        message: message({ conversation_id: 7, seq: 4 }),
      }),
    )
    conversations.upsert(conversation({ id: 7, last_seq: 3, last_pos: 3, muted: true }))
    const item = conversations.byId.get(7)!
    expect(item.last_seq).toBe(4)
    expect(item.muted).toBe(true)
  })

  it('a newer snapshot moves the position and reloads a window that missed events', () => {
    const { chat, positions } = setupStore()
    withLoadedThread(chat)
    positions.set(7, 3)
    conversations.upsert(conversation({ id: 7, last_seq: 9, last_pos: 12 }))
    expect(positions.get(7)).toBe(12)
    expect(messages.thread(7).loaded).toBe(false)
  })

  it('resync of a conversation not on screen marks its window for reload on open', async () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    api.conversationApi.get.mockResolvedValue(conversation({ id: 7, last_seq: 3, last_pos: 3 }))
    routeEvent(event({ event: 'resync', conversation_id: 7 }))
    await flush()
    expect(messages.thread(7).loaded).toBe(false)
    expect(api.conversationApi.messages).not.toHaveBeenCalled()
  })

  it('resync refetches the conversation and the newest page of the open chat', async () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    conversations.setActive(7)
    api.conversationApi.get.mockResolvedValue(
      conversation({ id: 7, last_seq: 60, last_pos: 70, unread_count: 57 }),
    )
    const page = Array.from({ length: 50 }, (_, i) =>
      message({ conversation_id: 7, seq: 11 + i, id: 2000 + i }),
    )
    api.conversationApi.messages.mockResolvedValue({ messages: page, has_more: true })
    routeEvent(event({ event: 'resync', conversation_id: 7 }))
    await flush()
    await flush()
    expect(api.conversationApi.messages).toHaveBeenCalledTimes(1)
    const t = messages.thread(7)
    // Not contiguous with what we had (1..3): replaced, nothing stale kept.
    expect(t.messages.map((m) => m.seq)).toEqual(page.map((m) => m.seq))
    expect(t.hasMore).toBe(true)
    expect(conversations.byId.get(7)!.unread_count).toBe(57)
  })
})

describe('read receipts', () => {
  function sendMine(chat: ReturnType<typeof useChatStore>, seq: number) {
    const m = message({
      conversation_id: 7,
      seq,
      id: 300 + seq,
      sender: { id: ME, name: '我', avatar: null, is_bot: false },
    })
    routeEvent(event({ event: 'message.new', conversation_id: 7, pos: seq, message: m }))
    return m
  }

  it('starts my new message at "N人未读" and counts each reader once', () => {
    const { chat } = setupStore()
    withLoadedThread(chat, 3, 4)
    const a = sendMine(chat, 4)
    const b = sendMine(chat, 5)
    expect(receipts.counts.get(a.id)).toEqual({ read: 0, unread: 3 })
    const readEvent = event({
      event: 'read',
      conversation_id: 7,
      data: { user_id: ALICE, seq: 5, previous_seq: 3 },
    })
    routeEvent(readEvent)
    routeEvent(readEvent) // delivered twice: still one reader
    expect(receipts.counts.get(a.id)).toEqual({ read: 1, unread: 2 })
    expect(receipts.counts.get(b.id)).toEqual({ read: 1, unread: 2 })
    // Bob reads only up to 4.
    routeEvent(
      event({ event: 'read', conversation_id: 7, data: { user_id: BOB, seq: 4, previous_seq: 0 } }),
    )
    expect(receipts.counts.get(a.id)).toEqual({ read: 2, unread: 1 })
    expect(receipts.counts.get(b.id)).toEqual({ read: 1, unread: 2 })
    // Bob then reads 5: only the range (4, 5] changes.
    routeEvent(
      event({ event: 'read', conversation_id: 7, data: { user_id: BOB, seq: 5, previous_seq: 4 } }),
    )
    expect(receipts.counts.get(a.id)).toEqual({ read: 2, unread: 1 })
    expect(receipts.counts.get(b.id)).toEqual({ read: 2, unread: 1 })
  })

  it('never goes below zero unread', () => {
    const { chat } = setupStore()
    withLoadedThread(chat, 3, 2)
    const a = sendMine(chat, 4)
    routeEvent(
      event({
        event: 'read',
        conversation_id: 7,
        data: { user_id: ALICE, seq: 4, previous_seq: 3 },
      }),
    )
    routeEvent(
      event({ event: 'read', conversation_id: 7, data: { user_id: BOB, seq: 4, previous_seq: 3 } }),
    )
    expect(receipts.counts.get(a.id)).toEqual({ read: 1, unread: 0 })
  })

  it('moves people between the open read/unread lists live', async () => {
    const { chat } = setupStore()
    withLoadedThread(chat, 3, 3)
    const a = sendMine(chat, 4)
    api.messageApi.receipts.mockResolvedValue({
      read: [],
      unread: [
        { id: ALICE, name: '李四', avatar: null },
        { id: BOB, name: '王五', avatar: null },
      ],
    })
    await receipts.open(a)
    routeEvent(
      event({ event: 'read', conversation_id: 7, data: { user_id: BOB, seq: 4, previous_seq: 3 } }),
    )
    expect(receipts.detail!.lists.read.map((p) => p.id)).toEqual([BOB])
    expect(receipts.detail!.lists.unread.map((p) => p.id)).toEqual([ALICE])
    expect(receipts.counts.get(a.id)).toEqual({ read: 1, unread: 1 })
  })

  it('my read on another device clears the badge', () => {
    setupStore()
    conversations.upsert(
      conversation({
        id: 9,
        last_seq: 10,
        last_pos: 10,
        last_read_seq: 4,
        unread_count: 6,
        mention_count: 1,
      }),
    )
    routeEvent(
      event({ event: 'read', conversation_id: 9, data: { user_id: ME, seq: 8, previous_seq: 4 } }),
    )
    expect(conversations.byId.get(9)!.unread_count).toBe(2)
    routeEvent(
      event({ event: 'read', conversation_id: 9, data: { user_id: ME, seq: 10, previous_seq: 8 } }),
    )
    expect(conversations.byId.get(9)!).toMatchObject({ unread_count: 0, mention_count: 0 })
  })

  it('markRead sends the newest seq over the socket and clears counters at once', async () => {
    const { link } = setupStore()
    conversations.upsert(
      conversation({ id: 9, last_seq: 10, last_pos: 10, last_read_seq: 4, unread_count: 6 }),
    )
    await conversations.markRead(9)
    expect(link.read).toHaveBeenCalledWith(9, 10)
    expect(conversations.byId.get(9)!.unread_count).toBe(0)
  })
})

describe('offline outbox', () => {
  it('queues while offline, persists, and sends in order when the link returns', async () => {
    const { chat, link } = setupStore(false)
    withLoadedThread(chat)
    const first = outbox.enqueue({ conversationId: 7, text: '第一条' })
    const second = outbox.enqueue({ conversationId: 7, text: '第二条' })
    expect(outbox.forConversation(7).map((i) => i.status)).toEqual(['queued', 'queued'])
    expect(link.send).not.toHaveBeenCalled()
    const saved = JSON.parse(localStorage.getItem(`zt:outbox:${ME}`)!) as { client_id: string }[]
    expect(saved.map((i) => i.client_id)).toEqual([first.client_id, second.client_id])

    link.isOpen = true
    link.send.mockImplementation(async (payload) =>
      message({
        conversation_id: 7,
        seq: payload.text === '第一条' ? 4 : 5,
        text: payload.text,
        client_id: payload.client_id,
        sender: { id: ME, name: '我', avatar: null, is_bot: false },
      }),
    )
    chat.onResumed()
    await flush()
    expect(link.send.mock.calls.map((c) => c[0].text)).toEqual(['第一条', '第二条'])
    expect(link.send.mock.calls[0]![0].client_id).toBe(first.client_id)
    expect(outbox.items).toHaveLength(0)
    expect(
      messages
        .thread(7)
        .messages.map((m) => m.text)
        .slice(-2),
    ).toEqual(['第一条', '第二条'])
    expect(JSON.parse(localStorage.getItem(`zt:outbox:${ME}`)!)).toEqual([])
  })

  it('keeps a message queued when the link drops mid-send (same client_id next time)', async () => {
    const { chat, link } = setupStore(true)
    withLoadedThread(chat)
    link.send.mockRejectedValueOnce(new ProtocolError('disconnected', '网络已断开'))
    const item = outbox.enqueue({ conversationId: 7, text: '重要' })
    await flush()
    expect(outbox.items[0]!.status).toBe('queued')
    link.send.mockResolvedValueOnce(
      message({ conversation_id: 7, seq: 4, client_id: item.client_id }),
    )
    await outbox.flush()
    expect(link.send.mock.calls.map((c) => c[0].client_id)).toEqual([
      item.client_id,
      item.client_id,
    ])
    expect(outbox.items).toHaveLength(0)
  })

  it('marks a refused message failed with the server message; retry sends it again', async () => {
    const { chat, link } = setupStore(true)
    withLoadedThread(chat)
    link.send.mockRejectedValueOnce(new ProtocolError('not_a_member', '您不是该会话成员'))
    const item = outbox.enqueue({ conversationId: 7, text: '你好' })
    await flush()
    expect(outbox.items[0]).toMatchObject({ status: 'failed', error: '您不是该会话成员' })
    link.send.mockResolvedValueOnce(
      message({ conversation_id: 7, seq: 4, client_id: item.client_id }),
    )
    outbox.retry(item.client_id)
    await flush()
    expect(outbox.items).toHaveLength(0)
  })

  it('an outbox entry disappears when its message arrives as an event first', () => {
    const { chat } = setupStore(false)
    withLoadedThread(chat)
    const item = outbox.enqueue({ conversationId: 7, text: '你好' })
    const m = message({
      conversation_id: 7,
      seq: 4,
      client_id: item.client_id,
      sender: { id: ME, name: '我', avatar: null, is_bot: false },
    })
    routeEvent(event({ event: 'message.new', conversation_id: 7, pos: 4, message: m }))
    expect(outbox.items).toHaveLength(0)
    expect(messages.thread(7).messages.filter((x) => x.client_id === item.client_id)).toHaveLength(
      1,
    )
  })

  it('a reload restores queued messages ("sending" becomes "queued")', () => {
    const { chat } = setupStore(false)
    outbox.enqueue({ conversationId: 7, text: 'a' })
    outbox.items[0]!.status = 'sending'
    chat.persistNow()
    localStorage.setItem(`zt:outbox:${ME}`, JSON.stringify(outbox.items))
    const again = setupStore(false)
    expect(again.outbox.items.map((i) => [i.text, i.status])).toEqual([['a', 'queued']])
  })
})

describe('persistence', () => {
  it('restores conversations, windows and positions together', () => {
    const { chat, positions } = setupStore()
    withLoadedThread(chat)
    positions.set(7, 3)
    chat.persistNow()
    setActivePinia(createPinia())
    const fresh = useChatStore()
    const { link, positions: restored } = fakeLink()
    fresh.attach(link)
    expect(fresh.hydrate(ME)).toBe(true)
    expect(useConversationsStore().byId.get(7)!.name).toBe('群 7')
    expect(useMessagesStore().thread(7).messages).toHaveLength(3)
    expect(restored.get(7)).toBe(3)
  })

  it('reset forgets everything of this user', () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    outbox.enqueue({ conversationId: 7, text: 'x' })
    conversations.setDraft(7, '草稿')
    chat.persistNow()
    chat.reset()
    expect(conversations.byId.size).toBe(0)
    expect(outbox.items).toHaveLength(0)
    expect(Object.keys(localStorage).filter((k) => k.startsWith('zt:'))).toEqual([])
  })
})

describe('recall permission', () => {
  it('own messages within 2 minutes; anything for group owner/admin', () => {
    const { chat } = setupStore()
    withLoadedThread(chat)
    const now = Date.parse('2024-01-01T10:00:00Z')
    // The server's window (ZT_RECALL_WINDOW_SECONDS, 2 minutes here) arrives as `recall_until`.
    const sentAt = (ago: number) => ({
      created_at: new Date(now - ago).toISOString(),
      recall_until: new Date(now - ago + 2 * 60_000).toISOString(),
    })
    const mine = message({
      conversation_id: 7,
      seq: 9,
      sender: { id: ME, name: '我', avatar: null, is_bot: false },
      ...sentAt(60_000),
    })
    const old = { ...mine, ...sentAt(3 * 60_000) }
    const theirs = message({ conversation_id: 7, seq: 10, ...sentAt(0) })
    expect(messages.canRecall(mine, now)).toBe(true)
    expect(messages.canRecall(old, now)).toBe(false)
    expect(messages.canRecall(theirs, now)).toBe(false)
    // Made an admin: the conversation item now says I may recall anyone's.
    Object.assign(conversations.byId.get(7)!, { my_role: 'admin', can_recall_any: true })
    expect(messages.canRecall(old, now)).toBe(true)
    expect(messages.canRecall(theirs, now)).toBe(true)
    expect(messages.canRecall({ ...theirs, kind: 'system' }, now)).toBe(false)
  })
})
