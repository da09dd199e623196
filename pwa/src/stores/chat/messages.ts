/**
 * Messages: one window (thread) per conversation, kept contiguous, sorted
 * and free of duplicates by the pure helpers in ../thread.ts. A new message
 * also changes its conversation's row, the outbox entry it settles and my
 * receipt counters: applyMessage tells those stores.
 */
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { conversationApi, messageApi } from '@/api/endpoints'
import type { Card, Message, UrgentMark } from '@/api/types'
import {
  emptyThread,
  indexOfSeq,
  markRecalled,
  mergeLatestPage,
  prependPage,
  trimForStorage,
  upsertMessage,
  type Thread,
} from '../thread'
import { useChatStore } from './chat'
import { useConversationsStore } from './conversations'
import { useOutboxStore } from './outbox'
import { useReceiptsStore } from './receipts'

const PAGE = 50

/** A card whose object changed: every copy of it shows `view`. */
export type CardViewUpdate = Card

export const useMessagesStore = defineStore('messages', () => {
  const threads = reactive(new Map<number, Thread>())
  const latestLoads = new Map<number, Promise<void>>()

  /** The window of a conversation (created empty on first use). */
  function thread(id: number): Thread {
    let t = threads.get(id)
    if (!t) {
      threads.set(id, emptyThread())
      t = threads.get(id)!
    }
    return t
  }

  function messageBySeq(id: number, seq: number): Message | undefined {
    const t = threads.get(id)
    if (!t) return undefined
    const at = indexOfSeq(t.messages, seq)
    return at >= 0 ? t.messages[at] : undefined
  }

  // --- device copy -------------------------------------------------------------

  function restore(saved: Record<string, Thread>): void {
    threads.clear()
    for (const [key, value] of Object.entries(saved)) threads.set(Number(key), value)
  }

  /** What goes to the device: the newest messages of each loaded window. */
  function snapshot(): Record<string, Thread> {
    const out: Record<string, Thread> = {}
    for (const [id, value] of threads) if (value.loaded) out[String(id)] = trimForStorage(value)
    return out
  }

  function forget(id: number): void {
    threads.delete(id)
  }

  function reset(): void {
    threads.clear()
    latestLoads.clear()
  }

  // --- loading -----------------------------------------------------------------

  /** Load (or reload) the newest page of a conversation (one request at a time). */
  function loadLatest(id: number): Promise<void> {
    const running = latestLoads.get(id)
    if (running) return running
    const job = (async () => {
      try {
        const page = await conversationApi.messages(id, undefined, PAGE)
        if (!useConversationsStore().byId.has(id) && !threads.has(id)) return
        mergeLatestPage(thread(id), page.messages, page.has_more)
        const outbox = useOutboxStore()
        for (const message of page.messages) outbox.drop(message.client_id)
        void useReceiptsStore().load(id, page.messages)
        useChatStore().schedulePersist()
      } finally {
        latestLoads.delete(id)
      }
    })()
    latestLoads.set(id, job)
    return job
  }

  /** The next older page; resolves to how many messages it added. */
  async function loadOlder(id: number, size = PAGE): Promise<number> {
    const t = thread(id)
    const first = t.messages[0]
    if (!t.hasMore || !first) return 0
    const page = await conversationApi.messages(id, first.seq, size)
    const before = t.messages.length
    prependPage(t, page.messages, page.has_more)
    void useReceiptsStore().load(id, page.messages)
    return t.messages.length - before
  }

  /**
   * Extend the window backwards until it holds `seq` (a search hit, a
   * quote): older pages, at most `maxPages` of them. The window stays one
   * contiguous run up to the newest message. Resolves to whether it holds `seq`.
   */
  async function loadUntil(id: number, seq: number, maxPages = 20): Promise<boolean> {
    if (!thread(id).loaded) await loadLatest(id)
    const t = thread(id)
    for (let page = 0; page < maxPages; page++) {
      const first = t.messages[0]
      if (!first || first.seq <= seq || !t.hasMore) break
      await loadOlder(id, 100)
    }
    return indexOfSeq(t.messages, seq) >= 0
  }

  /** The window may miss messages: reload it now if on screen, else when opened. */
  function markStale(id: number): Promise<void> {
    const t = threads.get(id)
    if (!t) return Promise.resolve()
    t.loaded = false
    return useConversationsStore().activeId === id ? loadLatest(id) : Promise.resolve()
  }

  // --- what events change ------------------------------------------------------

  /** Everything a new message changes: the window, the list row, the outbox, receipts. */
  function applyMessage(message: Message): void {
    const t = threads.get(message.conversation_id)
    if (t && t.loaded) upsertMessage(t, message)
    useOutboxStore().drop(message.client_id)
    const item = useConversationsStore().noteMessage(message)
    const chat = useChatStore()
    if (item && message.sender !== null && message.sender.id === chat.meId) {
      useReceiptsStore().trackNew(message, item.member_count)
    }
    chat.schedulePersist()
  }

  function applyRecalled(message: Message): void {
    const id = message.conversation_id
    markRecalled(thread(id), message)
    useConversationsStore().patchLastMessage(id, (last) =>
      last.id === message.id ? { ...message, recalled: true } : last,
    )
    useChatStore().schedulePersist()
  }

  /**
   * The object behind a card changed (a `card.updated` event, or the view a
   * `card_action` returned): every loaded copy of that card shows the new view.
   */
  function applyCardView(update: CardViewUpdate): void {
    const patch = (message: Message): Message =>
      message.card &&
      message.card.card_type === update.card_type &&
      message.card.object_id === update.object_id
        ? { ...message, card: { ...message.card, view: update.view } }
        : message
    for (const t of threads.values()) {
      if (t.messages.some((m) => m.card)) t.messages = t.messages.map(patch)
    }
    const conversations = useConversationsStore()
    for (const id of conversations.byId.keys()) conversations.patchLastMessage(id, patch)
    useChatStore().schedulePersist()
  }

  /** A message was marked 加急 (`message.urgent`, or my own mark over REST): show the badge. */
  function applyUrgent(conversationId: number, messageId: number, urgent: UrgentMark): void {
    const patch = (message: Message): Message =>
      message.id === messageId ? { ...message, urgent } : message
    const t = threads.get(conversationId)
    if (t) t.messages = t.messages.map(patch)
    useConversationsStore().patchLastMessage(conversationId, patch)
    useChatStore().schedulePersist()
  }

  // --- recall ------------------------------------------------------------------

  async function recall(message: Message): Promise<void> {
    const link = useChatStore().link()
    const updated = link?.isOpen
      ? await link.recall(message.id)
      : await messageApi.recall(message.id)
    applyRecalled(updated)
  }

  /**
   * Whether the menu offers 撤回. The server says both halves of its rule
   * (realtime/recall.py): `can_recall_any` on the conversation (group
   * owner/admin) and `recall_until` on the message (its sender's window).
   */
  function canRecall(message: Message, now = Date.now()): boolean {
    if (message.recalled || message.kind === 'system') return false
    if (useConversationsStore().byId.get(message.conversation_id)?.can_recall_any) return true
    const until = message.recall_until
    return (
      message.sender !== null &&
      message.sender.id === useChatStore().meId &&
      until !== null &&
      now < Date.parse(until)
    )
  }

  return {
    threads,
    thread,
    messageBySeq,
    restore,
    snapshot,
    forget,
    reset,
    loadLatest,
    loadOlder,
    loadUntil,
    markStale,
    applyMessage,
    applyRecalled,
    applyCardView,
    applyUrgent,
    recall,
    canRecall,
  }
})
