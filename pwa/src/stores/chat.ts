/**
 * Conversations, their loaded messages, the offline outbox, read receipts
 * and typing — everything the WebSocket changes. Events come in already
 * ordered by the protocol client (realtime/protocol.ts); this store decides
 * what they mean. Every handler is idempotent where the server may repeat
 * itself (REST pages, acks, resync), so the screen converges to the server.
 */
import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import { conversationApi, messageApi } from '@/api/endpoints'
import { ApiError } from '@/api/http'
import type {
  Attachment,
  ConversationBrief,
  ConversationItem,
  Message,
  PersonBrief,
  ReceiptCount,
  ReceiptLists,
  ReplyRef,
} from '@/api/types'
import { loadJson, removeKey, saveJson } from '@/lib/storage'
import { uuid } from '@/lib/uuid'
import { ProtocolError, type ServerEvent } from '@/realtime/protocol'
import {
  emptyThread,
  indexOfSeq,
  markRecalled,
  mergeLatestPage,
  prependPage,
  trimForStorage,
  upsertMessage,
  type Thread,
} from './thread'

/** What the store needs from the socket (the ProtocolClient implements it). */
export interface RealtimeLink {
  readonly isOpen: boolean
  getPosition(conversationId: number): number | undefined
  setPosition(conversationId: number, pos: number, force?: boolean): void
  forget(conversationId: number): void
  snapshotPositions(): Record<string, number>
  loadPositions(positions: Record<string, number>): void
  send(payload: {
    conversation_id: number
    client_id: string
    text: string
    attachment_id?: string
    reply_to?: number
    mentions?: number[]
    mention_all?: boolean
  }): Promise<Message>
  read(conversationId: number, seq: number): Promise<number>
  recall(messageId: number): Promise<Message>
  typing(conversationId: number): void
}

export type OutboxStatus = 'queued' | 'sending' | 'failed'

/** A message written here and not yet acknowledged by the server. */
export interface OutboxItem {
  client_id: string
  conversation_id: number
  text: string
  attachment: Attachment | null
  reply_to: ReplyRef | null
  mentions: number[]
  mention_all: boolean
  created_at: string
  status: OutboxStatus
  error: string | null
}

export interface TypingEntry {
  userId: number
  name: string
  until: number
}

interface PersistedState {
  v: 1
  conversations: ConversationItem[]
  threads: Record<string, Thread>
  positions: Record<string, number>
  listLoaded: boolean
}

const STATE_VERSION = 1
const TYPING_MS = 6_000

function normalize(item: ConversationItem): ConversationItem {
  const lastRead = item.last_read_seq ?? Math.max(0, item.last_seq - item.unread_count)
  return { ...item, last_read_seq: lastRead }
}

export function compareConversations(a: ConversationItem, b: ConversationItem): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
  const ta = a.last_message_at ? Date.parse(a.last_message_at) : 0
  const tb = b.last_message_at ? Date.parse(b.last_message_at) : 0
  if (ta !== tb) return tb - ta
  return b.id - a.id
}

export const useChatStore = defineStore('chat', () => {
  const meId = ref<number | null>(null)
  const conversations = reactive(new Map<number, ConversationItem>())
  const threads = reactive(new Map<number, Thread>())
  const outbox = ref<OutboxItem[]>([])
  /** Receipt counters of my messages, by message id. */
  const receipts = reactive(new Map<number, ReceiptCount>())
  /** The read/unread lists open on screen (live while shown). */
  const receiptDetail = ref<{ messageId: number; lists: ReceiptLists } | null>(null)
  const typing = reactive(new Map<number, TypingEntry[]>())
  /** Bumped when a conversation's membership changes (group info refetches). */
  const membersVersion = reactive(new Map<number, number>())
  /** Conversations I was removed from while looking at them (the view says so). */
  const removedNotice = ref<number | null>(null)
  const listLoaded = ref(false)
  const listLoading = ref(false)
  const activeId = ref<number | null>(null)
  /** Unsent composer text per conversation (kept on the device, wiped at logout). */
  const drafts = reactive(new Map<number, string>())

  let link: RealtimeLink | null = null
  /** Per conversation: user id → highest read seq seen in a `read` event. */
  const readMarks = new Map<number, Map<number, number>>()
  const resyncing = new Map<number, Promise<void>>()
  let flushing = false
  let persistTimer: ReturnType<typeof setTimeout> | null = null
  const typingTimers = new Map<number, ReturnType<typeof setTimeout>>()

  // --- derived -----------------------------------------------------------------

  const sortedConversations = computed(() => [...conversations.values()].sort(compareConversations))

  const totalUnread = computed(() => {
    let total = 0
    for (const item of conversations.values()) if (!item.muted) total += item.unread_count
    return total
  })

  function thread(id: number): Thread {
    let t = threads.get(id)
    if (!t) {
      threads.set(id, emptyThread())
      t = threads.get(id)!
    }
    return t
  }

  function outboxFor(id: number): OutboxItem[] {
    return outbox.value.filter((item) => item.conversation_id === id)
  }

  function typingFor(id: number): TypingEntry[] {
    const now = Date.now()
    return (typing.get(id) ?? []).filter((entry) => entry.until > now)
  }

  // --- setup / persistence ---------------------------------------------------

  function attach(realtime: RealtimeLink | null): void {
    link = realtime
  }

  function stateKey(): string {
    return `state:${meId.value ?? 0}`
  }

  function outboxKey(): string {
    return `outbox:${meId.value ?? 0}`
  }

  function draftsKey(): string {
    return `drafts:${meId.value ?? 0}`
  }

  function setDraft(id: number, text: string): void {
    if (text.trim()) drafts.set(id, text)
    else drafts.delete(id)
    if (meId.value !== null) saveJson(draftsKey(), Object.fromEntries(drafts))
  }

  /** Restore the last known state of this user (positions included) from the device. */
  function hydrate(userId: number): boolean {
    meId.value = userId
    const saved = loadJson<PersistedState>(stateKey())
    const queued = loadJson<OutboxItem[]>(outboxKey())
    outbox.value = (queued ?? []).map((item) =>
      item.status === 'sending' ? { ...item, status: 'queued' } : item,
    )
    drafts.clear()
    const savedDrafts = loadJson<Record<string, string>>(draftsKey()) ?? {}
    for (const [key, value] of Object.entries(savedDrafts)) drafts.set(Number(key), value)
    if (!saved || saved.v !== STATE_VERSION) return false
    conversations.clear()
    threads.clear()
    for (const item of saved.conversations) conversations.set(item.id, normalize(item))
    for (const [key, value] of Object.entries(saved.threads)) threads.set(Number(key), value)
    link?.loadPositions(saved.positions)
    listLoaded.value = saved.listLoaded
    return true
  }

  function persistNow(): void {
    if (persistTimer) {
      clearTimeout(persistTimer)
      persistTimer = null
    }
    if (meId.value === null) return
    const savedThreads: Record<string, Thread> = {}
    for (const [id, value] of threads)
      if (value.loaded) savedThreads[String(id)] = trimForStorage(value)
    const state: PersistedState = {
      v: STATE_VERSION,
      conversations: [...conversations.values()],
      threads: savedThreads,
      positions: link?.snapshotPositions() ?? {},
      listLoaded: listLoaded.value,
    }
    saveJson(stateKey(), state)
  }

  function schedulePersist(): void {
    if (persistTimer) return
    persistTimer = setTimeout(persistNow, 400)
  }

  function persistOutbox(): void {
    if (meId.value !== null) saveJson(outboxKey(), outbox.value)
  }

  function reset(): void {
    if (persistTimer) clearTimeout(persistTimer)
    persistTimer = null
    for (const timer of typingTimers.values()) clearTimeout(timer)
    typingTimers.clear()
    if (meId.value !== null) {
      removeKey(stateKey())
      removeKey(outboxKey())
      removeKey(draftsKey())
    }
    drafts.clear()
    meId.value = null
    conversations.clear()
    threads.clear()
    outbox.value = []
    receipts.clear()
    receiptDetail.value = null
    typing.clear()
    membersVersion.clear()
    readMarks.clear()
    resyncing.clear()
    listLoaded.value = false
    activeId.value = null
    removedNotice.value = null
    flushing = false
  }

  // --- conversations ---------------------------------------------------------

  /**
   * A conversation as the server described it at some moment (REST or an
   * event). Snapshots older than what we hold are ignored, except for my own
   * settings; newer ones move the position forward, and a loaded message
   * window that missed events in between is reloaded.
   */
  function upsertConversation(raw: ConversationItem): ConversationItem {
    const item = normalize(raw)
    const existing = conversations.get(item.id)
    const pos = link?.getPosition(item.id)
    if (existing && existing.last_pos > item.last_pos) {
      Object.assign(existing, { muted: item.muted, pinned: item.pinned, my_role: item.my_role })
      schedulePersist()
      return existing
    }
    if (existing) {
      // Keep what is newer locally (a message received after the snapshot).
      if ((existing.last_message?.seq ?? 0) > (item.last_message?.seq ?? 0)) {
        item.last_message = existing.last_message
        item.last_message_at = existing.last_message_at
      }
      item.last_seq = Math.max(item.last_seq, existing.last_seq)
      item.last_read_seq = Math.max(item.last_read_seq ?? 0, existing.last_read_seq ?? 0)
      item.unread_count = Math.max(0, item.last_seq - (item.last_read_seq ?? 0))
    }
    conversations.set(item.id, item)
    if (pos === undefined || item.last_pos > pos) {
      link?.setPosition(item.id, item.last_pos, true)
      const t = threads.get(item.id)
      if (t && t.loaded && pos !== undefined) {
        // We jumped over events: the window may be missing messages.
        t.loaded = false
        if (activeId.value === item.id) void loadLatest(item.id)
      }
    }
    schedulePersist()
    return item
  }

  function removeConversation(id: number): void {
    conversations.delete(id)
    threads.delete(id)
    typing.delete(id)
    readMarks.delete(id)
    link?.forget(id)
    outbox.value = outbox.value.filter((item) => item.conversation_id !== id)
    persistOutbox()
    if (activeId.value === id) removedNotice.value = id
    schedulePersist()
  }

  /** Pull the whole list over REST (startup without a cache, pull to refresh). */
  async function refreshList(): Promise<void> {
    listLoading.value = true
    try {
      const items = await conversationApi.list()
      const ids = new Set(items.map((item) => item.id))
      for (const item of items) upsertConversation(item)
      for (const id of [...conversations.keys()]) if (!ids.has(id)) removeConversation(id)
      listLoaded.value = true
      schedulePersist()
    } finally {
      listLoading.value = false
    }
  }

  /** The server says our copy of this conversation can't be patched: refetch it. */
  function resync(id: number): Promise<void> {
    if (!listLoaded.value) return refreshList().catch(() => undefined)
    const running = resyncing.get(id)
    if (running) return running
    const job = (async () => {
      try {
        const wasLoaded = threads.get(id)?.loaded ?? false
        const item = await conversationApi.get(id)
        upsertConversation(item)
        const t = threads.get(id)
        if (t && (wasLoaded || activeId.value === id)) {
          // Our window can't be trusted: reload it now if on screen, else on open.
          t.loaded = false
          if (activeId.value === id) await loadLatest(id)
        }
      } catch (error) {
        if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
          removeConversation(id)
        }
      } finally {
        resyncing.delete(id)
      }
    })()
    resyncing.set(id, job)
    return job
  }

  async function ensureConversation(id: number): Promise<ConversationItem | null> {
    const known = conversations.get(id)
    if (known) return known
    try {
      return upsertConversation(await conversationApi.get(id))
    } catch {
      return null
    }
  }

  // --- messages --------------------------------------------------------------

  const latestLoads = new Map<number, Promise<void>>()

  /** Load (or reload) the newest page of a conversation (one request at a time). */
  function loadLatest(id: number): Promise<void> {
    const running = latestLoads.get(id)
    if (running) return running
    const job = (async () => {
      try {
        const page = await conversationApi.messages(id, undefined, 50)
        if (!conversations.has(id) && !threads.has(id)) return
        const t = thread(id)
        mergeLatestPage(t, page.messages, page.has_more)
        for (const message of page.messages) dropFromOutbox(message.client_id)
        void loadReceipts(id, page.messages)
        schedulePersist()
      } finally {
        latestLoads.delete(id)
      }
    })()
    latestLoads.set(id, job)
    return job
  }

  async function loadOlder(id: number): Promise<number> {
    const t = thread(id)
    const first = t.messages[0]
    if (!t.hasMore || !first) return 0
    const page = await conversationApi.messages(id, first.seq, 50)
    const before = t.messages.length
    prependPage(t, page.messages, page.has_more)
    void loadReceipts(id, page.messages)
    return t.messages.length - before
  }

  /** Everything a new message changes: the window, the list row, counters. */
  function applyMessage(message: Message): void {
    const id = message.conversation_id
    const item = conversations.get(id)
    const t = threads.get(id)
    if (t && t.loaded) upsertMessage(t, message)
    dropFromOutbox(message.client_id)
    if (!item) return
    item.last_seq = Math.max(item.last_seq, message.seq)
    if (!item.last_message || message.seq >= item.last_message.seq) {
      item.last_message = message
      item.last_message_at = message.created_at
    }
    const mine = message.sender !== null && message.sender.id === meId.value
    if (mine) {
      item.last_read_seq = Math.max(item.last_read_seq ?? 0, message.seq)
      if (!receipts.has(message.id)) {
        receipts.set(message.id, { read: 0, unread: Math.max(0, item.member_count - 1) })
      }
    } else if (
      meId.value !== null &&
      message.seq > (item.last_read_seq ?? 0) &&
      (message.mention_all || message.mentions.includes(meId.value))
    ) {
      item.mention_count += 1
    }
    item.unread_count = Math.max(0, item.last_seq - (item.last_read_seq ?? 0))
    if (item.unread_count === 0) item.mention_count = 0
    schedulePersist()
  }

  function applyRecalled(message: Message): void {
    const id = message.conversation_id
    markRecalled(thread(id), message)
    const item = conversations.get(id)
    if (item?.last_message && item.last_message.id === message.id) {
      item.last_message = { ...message, recalled: true }
    }
    schedulePersist()
  }

  function applyCard(id: number, data: Record<string, unknown>): void {
    const cardType = String(data.card_type ?? '')
    const objectId = String(data.object_id ?? '')
    const view = (data.view ?? null) as NonNullable<Message['card']>['view']
    const patch = (message: Message): Message =>
      message.card && message.card.card_type === cardType && message.card.object_id === objectId
        ? { ...message, card: { ...message.card, view } }
        : message
    const t = threads.get(id)
    if (t) t.messages = t.messages.map(patch)
    const item = conversations.get(id)
    if (item?.last_message) item.last_message = patch(item.last_message)
    schedulePersist()
  }

  // --- read state and receipts -----------------------------------------------

  /** Fetch "N人未读" counters for my messages that don't have them yet. */
  async function loadReceipts(id: number, messages: Message[], force = false): Promise<void> {
    const mine = messages.filter(
      (m) => m.sender?.id === meId.value && m.kind !== 'system' && !m.recalled,
    )
    const missing = force ? mine.slice(-200) : mine.filter((m) => !receipts.has(m.id))
    if (missing.length === 0) return
    await refreshReceipts(id, missing)
  }

  async function refreshReceipts(id: number, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 100) {
      const chunk = messages.slice(i, i + 100)
      try {
        const { counts } = await conversationApi.receiptCounts(
          id,
          chunk.map((m) => m.seq),
        )
        for (const message of chunk) {
          const count = counts[String(message.seq)]
          if (count) receipts.set(message.id, { read: count.read, unread: count.unread })
        }
      } catch {
        return // offline: counters come with the next resume
      }
    }
  }

  /** After a reconnect, read events we missed are not replayed: refetch counters. */
  function refreshOpenReceipts(): void {
    const id = activeId.value
    if (id === null) return
    const t = threads.get(id)
    if (!t) return
    const mine = t.messages.filter((m) => m.sender?.id === meId.value && !m.recalled).slice(-200)
    if (mine.length) void refreshReceipts(id, mine)
  }

  function applyRead(id: number, data: { user_id: number; seq: number; previous_seq: number }) {
    const item = conversations.get(id)
    if (data.user_id === meId.value) {
      if (!item) return
      item.last_read_seq = Math.max(item.last_read_seq ?? 0, data.seq)
      item.unread_count = Math.max(0, item.last_seq - item.last_read_seq)
      if (item.unread_count === 0) item.mention_count = 0
      schedulePersist()
      return
    }
    let marks = readMarks.get(id)
    if (!marks) {
      marks = new Map()
      readMarks.set(id, marks)
    }
    const from = Math.max(data.previous_seq, marks.get(data.user_id) ?? -1)
    if (data.seq <= from) return // seen already: counting twice would lie
    marks.set(data.user_id, data.seq)
    const t = threads.get(id)
    if (t) {
      for (let i = t.messages.length - 1; i >= 0; i--) {
        const message = t.messages[i]!
        if (message.seq <= from) break
        if (message.seq > data.seq || message.sender?.id !== meId.value) continue
        const count = receipts.get(message.id)
        if (count && count.unread > 0) {
          receipts.set(message.id, { read: count.read + 1, unread: count.unread - 1 })
        }
      }
    }
    const detail = receiptDetail.value
    if (detail) {
      const message = t?.messages.find((m) => m.id === detail.messageId)
      if (message && message.seq > from && message.seq <= data.seq) {
        const who = detail.lists.unread.find((p) => p.id === data.user_id)
        if (who) {
          detail.lists = {
            read: [...detail.lists.read, who],
            unread: detail.lists.unread.filter((p) => p.id !== data.user_id),
          }
        }
      }
    }
  }

  /** I've seen everything in this conversation. */
  async function markRead(id: number): Promise<void> {
    const item = conversations.get(id)
    if (!item) return
    const seq = item.last_seq
    if ((item.last_read_seq ?? 0) >= seq && item.unread_count === 0) return
    item.last_read_seq = Math.max(item.last_read_seq ?? 0, seq)
    item.unread_count = 0
    item.mention_count = 0
    schedulePersist()
    try {
      if (link?.isOpen) await link.read(id, seq)
      else await conversationApi.read(id, seq)
    } catch {
      // Offline: the next visit marks it again.
    }
  }

  async function openReceipts(message: Message): Promise<void> {
    const lists = await messageApi.receipts(message.id)
    receiptDetail.value = { messageId: message.id, lists }
    receipts.set(message.id, { read: lists.read.length, unread: lists.unread.length })
  }

  function closeReceipts(): void {
    receiptDetail.value = null
  }

  // --- typing ------------------------------------------------------------------

  function applyTyping(id: number, data: { user_id: number; name: string }): void {
    if (data.user_id === meId.value) return
    const entries = typingFor(id).filter((entry) => entry.userId !== data.user_id)
    entries.push({ userId: data.user_id, name: data.name, until: Date.now() + TYPING_MS })
    typing.set(id, entries)
    const old = typingTimers.get(id)
    if (old) clearTimeout(old)
    typingTimers.set(
      id,
      setTimeout(() => {
        typing.set(id, typingFor(id))
        typingTimers.delete(id)
      }, TYPING_MS + 50),
    )
  }

  function stopTyping(id: number, userId: number): void {
    const entries = typing.get(id)
    if (entries)
      typing.set(
        id,
        entries.filter((entry) => entry.userId !== userId),
      )
  }

  // --- events ----------------------------------------------------------------

  function bumpMembers(id: number): void {
    membersVersion.set(id, (membersVersion.get(id) ?? 0) + 1)
  }

  /** One server event, already ordered and de-duplicated by position. */
  function applyEvent(event: ServerEvent): void {
    const id = event.conversation_id
    const data = event.data ?? {}
    const item = conversations.get(id)
    if (item && typeof event.pos === 'number' && event.pos > item.last_pos)
      item.last_pos = event.pos
    switch (event.event) {
      case 'message.new':
        if (event.message) {
          if (event.message.sender) stopTyping(id, event.message.sender.id)
          applyMessage(event.message)
        }
        break
      case 'message.recalled':
        if (event.message) applyRecalled(event.message)
        break
      case 'card.updated':
        applyCard(id, data)
        break
      case 'member.added':
        bumpMembers(id)
        break
      case 'member.removed': {
        const ids = (data.user_ids as number[] | undefined) ?? []
        if (meId.value !== null && ids.includes(meId.value)) removeConversation(id)
        else bumpMembers(id)
        break
      }
      case 'conversation.updated': {
        const brief = data.conversation as Partial<ConversationBrief> | undefined
        if (item && brief) {
          if (brief.name !== undefined) item.name = brief.name
          if (brief.owner_id !== undefined) item.owner_id = brief.owner_id
          if (brief.member_count !== undefined) item.member_count = brief.member_count
          if (brief.dissolved !== undefined) item.dissolved = brief.dissolved
        }
        // Ownership or admin changes may change my role: check over REST.
        if (item && brief && brief.owner_id !== undefined) void refreshRole(id)
        bumpMembers(id)
        break
      }
      case 'conversation.dissolved':
        if (item) item.dissolved = true
        bumpMembers(id)
        break
      case 'conversation.added': {
        const added = data.conversation as ConversationItem | undefined
        if (added) upsertConversation(added)
        break
      }
      case 'conversation.removed':
        removeConversation(id)
        break
      case 'resync':
        void resync(id)
        break
      case 'read':
        applyRead(id, data as { user_id: number; seq: number; previous_seq: number })
        break
      case 'typing':
        applyTyping(id, data as { user_id: number; name: string })
        break
      case 'membership.updated':
        if (item) {
          if (typeof data.muted === 'boolean') item.muted = data.muted
          if (typeof data.pinned === 'boolean') item.pinned = data.pinned
        }
        break
      default:
        break
    }
    schedulePersist()
  }

  async function refreshRole(id: number): Promise<void> {
    try {
      const fresh = await conversationApi.get(id)
      const item = conversations.get(id)
      if (item) item.my_role = fresh.my_role
    } catch {
      /* offline */
    }
  }

  /** The socket caught up (after every connect): send what waited, refresh counters. */
  function onResumed(): void {
    void flushOutbox()
    refreshOpenReceipts()
    // Read pointers and my settings travel in non-positional events, which a
    // resume does not replay: one list snapshot brings them back in line.
    if (listLoaded.value) void refreshList().catch(() => undefined)
    schedulePersist()
  }

  // --- sending -----------------------------------------------------------------

  function dropFromOutbox(clientId: string): void {
    if (!clientId) return
    const before = outbox.value.length
    outbox.value = outbox.value.filter((item) => item.client_id !== clientId)
    if (outbox.value.length !== before) persistOutbox()
  }

  /** Queue a message; it goes out now if connected, else when the link returns. */
  function enqueue(input: {
    conversationId: number
    text: string
    attachment?: Attachment | null
    replyTo?: ReplyRef | null
    mentions?: number[]
    mentionAll?: boolean
  }): OutboxItem {
    const item: OutboxItem = {
      client_id: uuid(),
      conversation_id: input.conversationId,
      text: input.text,
      attachment: input.attachment ?? null,
      reply_to: input.replyTo ?? null,
      mentions: input.mentions ?? [],
      mention_all: input.mentionAll ?? false,
      created_at: new Date().toISOString(),
      status: 'queued',
      error: null,
    }
    outbox.value = [...outbox.value, item]
    persistOutbox()
    void flushOutbox()
    return item
  }

  function setStatus(clientId: string, status: OutboxStatus, error: string | null = null): void {
    const item = outbox.value.find((entry) => entry.client_id === clientId)
    if (item) {
      item.status = status
      item.error = error
      persistOutbox()
    }
  }

  /** Send queued messages in order; stop at the first transient failure. */
  async function flushOutbox(): Promise<void> {
    if (flushing || !link || !link.isOpen) return
    flushing = true
    try {
      for (;;) {
        const next = outbox.value.find((item) => item.status === 'queued')
        if (!next || !link.isOpen) break
        setStatus(next.client_id, 'sending')
        try {
          const message = await link.send({
            conversation_id: next.conversation_id,
            client_id: next.client_id,
            text: next.text,
            ...(next.attachment ? { attachment_id: next.attachment.id } : {}),
            ...(next.reply_to ? { reply_to: next.reply_to.id } : {}),
            ...(next.mentions.length ? { mentions: next.mentions } : {}),
            ...(next.mention_all ? { mention_all: true } : {}),
          })
          applyMessage(message)
          dropFromOutbox(next.client_id)
        } catch (error) {
          if (error instanceof ProtocolError && error.isTransient) {
            setStatus(next.client_id, 'queued')
            break
          }
          setStatus(next.client_id, 'failed', error instanceof Error ? error.message : '发送失败')
        }
      }
    } finally {
      flushing = false
    }
  }

  function retry(clientId: string): void {
    setStatus(clientId, 'queued')
    void flushOutbox()
  }

  function discard(clientId: string): void {
    dropFromOutbox(clientId)
  }

  async function recall(message: Message): Promise<void> {
    const updated = link?.isOpen
      ? await link.recall(message.id)
      : await messageApi.recall(message.id)
    applyRecalled(updated)
  }

  function canRecall(message: Message, now = Date.now()): boolean {
    if (message.recalled || message.kind === 'system') return false
    const item = conversations.get(message.conversation_id)
    if (item && item.kind === 'group' && (item.my_role === 'owner' || item.my_role === 'admin')) {
      return true
    }
    return message.sender?.id === meId.value && now - Date.parse(message.created_at) <= 2 * 60_000
  }

  function sendTyping(id: number): void {
    if (link?.isOpen) link.typing(id)
  }

  function messageBySeq(id: number, seq: number): Message | undefined {
    const t = threads.get(id)
    if (!t) return undefined
    const at = indexOfSeq(t.messages, seq)
    return at >= 0 ? t.messages[at] : undefined
  }

  function setActive(id: number | null): void {
    activeId.value = id
    if (id === null) receiptDetail.value = null
  }

  return {
    // state
    meId,
    conversations,
    threads,
    outbox,
    receipts,
    receiptDetail,
    typing,
    membersVersion,
    removedNotice,
    listLoaded,
    listLoading,
    activeId,
    drafts,
    setDraft,
    // derived
    sortedConversations,
    totalUnread,
    thread,
    outboxFor,
    typingFor,
    // lifecycle
    attach,
    hydrate,
    persistNow,
    reset,
    // conversations
    upsertConversation,
    removeConversation,
    refreshList,
    resync,
    ensureConversation,
    // messages
    loadLatest,
    loadOlder,
    applyMessage,
    applyEvent,
    onResumed,
    messageBySeq,
    // receipts / read
    loadReceipts,
    markRead,
    openReceipts,
    closeReceipts,
    // sending
    enqueue,
    flushOutbox,
    retry,
    discard,
    recall,
    canRecall,
    sendTyping,
    setActive,
  }
})

export type ChatStore = ReturnType<typeof useChatStore>
export type { PersonBrief }
