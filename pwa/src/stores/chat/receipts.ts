/**
 * Read receipts of my messages: the "N人未读" counters, and the read/unread
 * lists of one message while they are on screen (kept live). `read` events
 * of other people move the counters, each reader counted once.
 */
import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { conversationApi, messageApi } from '@/api/endpoints'
import type { Message, ReceiptCount, ReceiptLists } from '@/api/types'
import { useChatStore } from './chat'
import { useConversationsStore } from './conversations'
import { useMessagesStore } from './messages'

/** What a `read` event says: `user_id` read from `previous_seq` up to `seq`. */
export interface ReadMark {
  user_id: number
  seq: number
  previous_seq: number
}

const CHUNK = 100

export const useReceiptsStore = defineStore('receipts', () => {
  /** Receipt counters of my messages, by message id. */
  const counts = reactive(new Map<number, ReceiptCount>())
  /** The read/unread lists open on screen (live while shown). */
  const detail = ref<{ messageId: number; lists: ReceiptLists } | null>(null)
  /** Per conversation: user id → highest read seq seen in a `read` event. */
  const readMarks = new Map<number, Map<number, number>>()
  /**
   * Per conversation: how many `read` events moved counters. A fetch that
   * ran while one arrived may hold counts from before it: fetch again.
   */
  const readEpoch = new Map<number, number>()

  function mine(messages: Message[]): Message[] {
    const me = useChatStore().meId
    return messages.filter((m) => m.sender?.id === me && m.kind !== 'system' && !m.recalled)
  }

  /** A message of mine just arrived: nobody else has read it yet. */
  function trackNew(message: Message, memberCount: number): void {
    if (!counts.has(message.id)) {
      counts.set(message.id, { read: 0, unread: Math.max(0, memberCount - 1) })
    }
  }

  /**
   * Fetch the "N人未读" counters of my messages in a page just loaded. Always
   * from the server, also for messages that already have a counter: that
   * counter may be the guess `trackNew` made when the message arrived while
   * its window was not loaded, which `read` events could not move since.
   */
  async function load(id: number, messages: Message[]): Promise<void> {
    const own = mine(messages).slice(-200)
    if (own.length === 0) return
    await refresh(id, own)
  }

  async function refresh(id: number, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += CHUNK) {
      const chunk = messages.slice(i, i + CHUNK)
      // A `read` event during the request may be missing from its answer
      // (or already in it): ask again until none arrived meanwhile.
      for (let attempt = 0; attempt < 3; attempt++) {
        const epoch = readEpoch.get(id) ?? 0
        let answer: Awaited<ReturnType<typeof conversationApi.receiptCounts>>
        try {
          answer = await conversationApi.receiptCounts(
            id,
            chunk.map((m) => m.seq),
          )
        } catch {
          return // offline: counters come with the next resume
        }
        for (const message of chunk) {
          const count = answer.counts[String(message.seq)]
          if (count) counts.set(message.id, { read: count.read, unread: count.unread })
        }
        if ((readEpoch.get(id) ?? 0) === epoch) break
      }
    }
  }

  /** After a reconnect, read events we missed are not replayed: refetch counters. */
  function refreshOpen(): void {
    const id = useConversationsStore().activeId
    if (id === null) return
    const t = useMessagesStore().threads.get(id)
    if (!t) return
    const me = useChatStore().meId
    const own = t.messages.filter((m) => m.sender?.id === me && !m.recalled).slice(-200)
    if (own.length) void refresh(id, own)
  }

  /** Someone else read up to `mark.seq`: count them once on each of my messages they passed. */
  function applyRead(id: number, mark: ReadMark): void {
    let marks = readMarks.get(id)
    if (!marks) {
      marks = new Map()
      readMarks.set(id, marks)
    }
    const from = Math.max(mark.previous_seq, marks.get(mark.user_id) ?? -1)
    if (mark.seq <= from) return // seen already: counting twice would lie
    marks.set(mark.user_id, mark.seq)
    readEpoch.set(id, (readEpoch.get(id) ?? 0) + 1)
    const me = useChatStore().meId
    const t = useMessagesStore().threads.get(id)
    if (t) {
      for (let i = t.messages.length - 1; i >= 0; i--) {
        const message = t.messages[i]!
        if (message.seq <= from) break
        if (message.seq > mark.seq || message.sender?.id !== me) continue
        const count = counts.get(message.id)
        if (count && count.unread > 0) {
          counts.set(message.id, { read: count.read + 1, unread: count.unread - 1 })
        }
      }
    }
    const open = detail.value
    if (!open) return
    const message = t?.messages.find((m) => m.id === open.messageId)
    if (message && message.seq > from && message.seq <= mark.seq) {
      const who = open.lists.unread.find((p) => p.id === mark.user_id)
      if (who) {
        open.lists = {
          read: [...open.lists.read, who],
          unread: open.lists.unread.filter((p) => p.id !== mark.user_id),
        }
      }
    }
  }

  async function open(message: Message): Promise<void> {
    const lists = await messageApi.receipts(message.id)
    detail.value = { messageId: message.id, lists }
    counts.set(message.id, { read: lists.read.length, unread: lists.unread.length })
  }

  function close(): void {
    detail.value = null
  }

  function forget(id: number): void {
    readMarks.delete(id)
    readEpoch.delete(id)
  }

  function reset(): void {
    counts.clear()
    detail.value = null
    readMarks.clear()
    readEpoch.clear()
  }

  return { counts, detail, trackNew, load, refreshOpen, applyRead, open, close, forget, reset }
})
