/**
 * The chat of one signed-in user: who I am, the socket link, and the device
 * copy of the per-entity stores (conversations, messages, outbox, receipts,
 * typing). It owns their lifecycle — hydrate at start, persist as they
 * change, reset at logout — and nothing else: what an event means is decided
 * by the event router (realtime/router.ts) and the store that owns the entity.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ConversationItem, Message } from '@/api/types'
import { loadJson, removeKey, saveJson } from '@/lib/storage'
import type { SendPayload } from '@/realtime/protocol'
import type { Thread } from '../thread'
import { useConversationsStore } from './conversations'
import { useMessagesStore } from './messages'
import { useOutboxStore } from './outbox'
import { useReceiptsStore } from './receipts'
import { useTypingStore } from './typing'

/** What the stores need from the socket (the ProtocolClient implements it). */
export interface RealtimeLink {
  readonly isOpen: boolean
  getPosition(conversationId: number): number | undefined
  setPosition(conversationId: number, pos: number, force?: boolean): void
  forget(conversationId: number): void
  snapshotPositions(): Record<string, number>
  loadPositions(positions: Record<string, number>): void
  send(payload: SendPayload): Promise<Message>
  read(conversationId: number, seq: number): Promise<number>
  recall(messageId: number): Promise<Message>
  typing(conversationId: number): void
}

interface PersistedState {
  v: typeof STATE_VERSION
  conversations: ConversationItem[]
  threads: Record<string, Thread>
  positions: Record<string, number>
  listLoaded: boolean
}

/**
 * The shape of the device copy. 2: messages carry `recall_until`, conversations
 * `can_recall_any` and card actions the full server description; an older copy
 * is dropped (the server has the truth) rather than read with missing fields.
 */
const STATE_VERSION = 2

export const useChatStore = defineStore('chat', () => {
  const meId = ref<number | null>(null)
  let realtime: RealtimeLink | null = null
  let persistTimer: ReturnType<typeof setTimeout> | null = null

  function attach(next: RealtimeLink | null): void {
    realtime = next
  }

  /** The socket, when attached (stores check `isOpen` before using it). */
  function link(): RealtimeLink | null {
    return realtime
  }

  /** A device key of this user (`state:<id>`, `outbox:<id>`, `drafts:<id>`). */
  function userKey(name: string): string {
    return `${name}:${meId.value ?? 0}`
  }

  /** Restore the last known state of this user (positions included) from the device. */
  function hydrate(userId: number): boolean {
    meId.value = userId
    useOutboxStore().restore()
    const conversations = useConversationsStore()
    conversations.restoreDrafts()
    const saved = loadJson<PersistedState>(userKey('state'))
    if (!saved || saved.v !== STATE_VERSION) return false
    conversations.restore(saved.conversations, saved.listLoaded)
    useMessagesStore().restore(saved.threads)
    realtime?.loadPositions(saved.positions)
    return true
  }

  function persistNow(): void {
    if (persistTimer) {
      clearTimeout(persistTimer)
      persistTimer = null
    }
    if (meId.value === null) return
    const conversations = useConversationsStore()
    const state: PersistedState = {
      v: STATE_VERSION,
      conversations: [...conversations.byId.values()],
      threads: useMessagesStore().snapshot(),
      positions: realtime?.snapshotPositions() ?? {},
      listLoaded: conversations.listLoaded,
    }
    saveJson(userKey('state'), state)
  }

  function schedulePersist(): void {
    if (persistTimer) return
    persistTimer = setTimeout(persistNow, 400)
  }

  /** Logout: forget this user's chat, in memory and on the device. */
  function reset(): void {
    if (persistTimer) clearTimeout(persistTimer)
    persistTimer = null
    if (meId.value !== null)
      for (const name of ['state', 'outbox', 'drafts']) removeKey(userKey(name))
    meId.value = null
    useConversationsStore().reset()
    useMessagesStore().reset()
    useOutboxStore().reset()
    useReceiptsStore().reset()
    useTypingStore().reset()
  }

  /** The socket caught up (after every connect): send what waited, refresh counters. */
  function onResumed(): void {
    void useOutboxStore().flush()
    useReceiptsStore().refreshOpen()
    // Read pointers and my settings travel in non-positional events, which a
    // resume does not replay: one list snapshot brings them back in line.
    const conversations = useConversationsStore()
    if (conversations.listLoaded) void conversations.refreshList().catch(() => undefined)
    schedulePersist()
  }

  return {
    meId,
    attach,
    link,
    userKey,
    hydrate,
    persistNow,
    schedulePersist,
    reset,
    onResumed,
  }
})

export type ChatStore = ReturnType<typeof useChatStore>
