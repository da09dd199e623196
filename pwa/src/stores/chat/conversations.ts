/**
 * Conversations: the list rows (unread and mention counters, last message,
 * my settings), which one is on screen, and the unsent drafts. Snapshots
 * (REST) and events both land here; the newer one wins, so the list
 * converges to the server's.
 */
import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import { conversationApi } from '@/api/endpoints'
import { ApiError } from '@/api/http'
import type { ConversationBrief, ConversationItem, Message } from '@/api/types'
import { loadJson, saveJson } from '@/lib/storage'
import { useChatStore } from './chat'
import { useMessagesStore } from './messages'
import { useOutboxStore } from './outbox'
import { useReceiptsStore } from './receipts'
import { useTypingStore } from './typing'

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

function recount(item: ConversationItem): void {
  item.unread_count = Math.max(0, item.last_seq - (item.last_read_seq ?? 0))
  if (item.unread_count === 0) item.mention_count = 0
}

export const useConversationsStore = defineStore('conversations', () => {
  const byId = reactive(new Map<number, ConversationItem>())
  const listLoaded = ref(false)
  const listLoading = ref(false)
  /** The conversation on screen (its window reloads at once when stale). */
  const activeId = ref<number | null>(null)
  /** Conversations I was removed from while looking at them (the view says so). */
  const removedNotice = ref<number | null>(null)
  /** Unsent composer text per conversation (kept on the device, wiped at logout). */
  const drafts = reactive(new Map<number, string>())
  const resyncing = new Map<number, Promise<void>>()

  const sorted = computed(() => [...byId.values()].sort(compareConversations))

  const totalUnread = computed(() => {
    let total = 0
    for (const item of byId.values()) if (!item.muted) total += item.unread_count
    return total
  })

  // --- device copy -------------------------------------------------------------

  function restore(items: ConversationItem[], wasLoaded: boolean): void {
    byId.clear()
    for (const item of items) byId.set(item.id, normalize(item))
    listLoaded.value = wasLoaded
  }

  function restoreDrafts(): void {
    drafts.clear()
    const saved = loadJson<Record<string, string>>(useChatStore().userKey('drafts')) ?? {}
    for (const [key, value] of Object.entries(saved)) drafts.set(Number(key), value)
  }

  function setDraft(id: number, text: string): void {
    if (text.trim()) drafts.set(id, text)
    else drafts.delete(id)
    const chat = useChatStore()
    if (chat.meId !== null) saveJson(chat.userKey('drafts'), Object.fromEntries(drafts))
  }

  function reset(): void {
    byId.clear()
    drafts.clear()
    resyncing.clear()
    listLoaded.value = false
    activeId.value = null
    removedNotice.value = null
  }

  // --- snapshots ---------------------------------------------------------------

  /**
   * A conversation as the server described it at some moment (REST or an
   * event). Snapshots older than what we hold are ignored, except for my own
   * settings; newer ones move the position forward, and a loaded message
   * window that missed events in between is reloaded.
   */
  function upsert(raw: ConversationItem): ConversationItem {
    const chat = useChatStore()
    const link = chat.link()
    const item = normalize(raw)
    const existing = byId.get(item.id)
    const pos = link?.getPosition(item.id)
    if (existing && existing.last_pos > item.last_pos) {
      Object.assign(existing, {
        muted: item.muted,
        pinned: item.pinned,
        my_role: item.my_role,
        can_recall_any: item.can_recall_any,
      })
      chat.schedulePersist()
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
    byId.set(item.id, item)
    if (pos === undefined || item.last_pos > pos) {
      link?.setPosition(item.id, item.last_pos, true)
      // We jumped over events: a loaded window may be missing messages.
      const messages = useMessagesStore()
      if (pos !== undefined && messages.threads.get(item.id)?.loaded)
        void messages.markStale(item.id)
    }
    chat.schedulePersist()
    return item
  }

  /** The conversation is gone for me (left, removed, dissolved away): forget all of it. */
  function remove(id: number): void {
    byId.delete(id)
    useMessagesStore().forget(id)
    useTypingStore().forget(id)
    useReceiptsStore().forget(id)
    useOutboxStore().dropConversation(id)
    const chat = useChatStore()
    chat.link()?.forget(id)
    if (activeId.value === id) removedNotice.value = id
    chat.schedulePersist()
  }

  /** Pull the whole list over REST (startup without a cache, pull to refresh). */
  async function refreshList(): Promise<void> {
    listLoading.value = true
    try {
      const items = await conversationApi.list()
      const ids = new Set(items.map((item) => item.id))
      for (const item of items) upsert(item)
      for (const id of [...byId.keys()]) if (!ids.has(id)) remove(id)
      listLoaded.value = true
      useChatStore().schedulePersist()
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
      const messages = useMessagesStore()
      try {
        const wasLoaded = messages.threads.get(id)?.loaded ?? false
        upsert(await conversationApi.get(id))
        // Our window can't be trusted: reload it now if on screen, else on open.
        if (wasLoaded || activeId.value === id) await messages.markStale(id)
      } catch (error) {
        if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
          remove(id)
        }
      } finally {
        resyncing.delete(id)
      }
    })()
    resyncing.set(id, job)
    return job
  }

  async function ensure(id: number): Promise<ConversationItem | null> {
    const known = byId.get(id)
    if (known) return known
    try {
      return upsert(await conversationApi.get(id))
    } catch {
      return null
    }
  }

  /** Ownership or admin changes may change my role (and what I may recall): check over REST. */
  async function refreshRole(id: number): Promise<void> {
    try {
      const fresh = await conversationApi.get(id)
      const item = byId.get(id)
      if (item) {
        item.my_role = fresh.my_role
        item.can_recall_any = fresh.can_recall_any
      }
    } catch {
      /* offline */
    }
  }

  function setActive(id: number | null): void {
    activeId.value = id
    if (id === null) useReceiptsStore().close()
  }

  // --- what events change ------------------------------------------------------

  /** A positional event moved this conversation's log forward. */
  function advancePos(id: number, pos: number | undefined): void {
    const item = byId.get(id)
    if (item && typeof pos === 'number' && pos > item.last_pos) item.last_pos = pos
  }

  /** A new message: the row's last message and counters. Returns the row, if listed. */
  function noteMessage(message: Message): ConversationItem | null {
    const item = byId.get(message.conversation_id)
    if (!item) return null
    const me = useChatStore().meId
    item.last_seq = Math.max(item.last_seq, message.seq)
    if (!item.last_message || message.seq >= item.last_message.seq) {
      item.last_message = message
      item.last_message_at = message.created_at
    }
    if (message.sender !== null && message.sender.id === me) {
      item.last_read_seq = Math.max(item.last_read_seq ?? 0, message.seq)
    } else if (
      me !== null &&
      message.seq > (item.last_read_seq ?? 0) &&
      (message.mention_all || message.mentions.includes(me))
    ) {
      item.mention_count += 1
    }
    recount(item)
    return item
  }

  /** Rewrite the row's last message (a recall, a card that changed). */
  function patchLastMessage(id: number, patch: (message: Message) => Message): void {
    const item = byId.get(id)
    if (item?.last_message) item.last_message = patch(item.last_message)
  }

  /** I read up to `seq` (here or on another device). */
  function applyMyRead(id: number, seq: number): void {
    const item = byId.get(id)
    if (!item) return
    item.last_read_seq = Math.max(item.last_read_seq ?? 0, seq)
    recount(item)
  }

  /** `conversation.updated`: the fields every member shares. */
  function applyBrief(id: number, brief: Partial<ConversationBrief>): void {
    const item = byId.get(id)
    if (!item) return
    if (brief.name !== undefined) item.name = brief.name
    if (brief.owner_id !== undefined) item.owner_id = brief.owner_id
    if (brief.member_count !== undefined) item.member_count = brief.member_count
    if (brief.dissolved !== undefined) item.dissolved = brief.dissolved
    if (brief.history_visible_to_new_members !== undefined) {
      item.history_visible_to_new_members = brief.history_visible_to_new_members
    }
    if (brief.owner_id !== undefined) void refreshRole(id)
  }

  function markDissolved(id: number): void {
    const item = byId.get(id)
    if (item) item.dissolved = true
  }

  /** `membership.updated`: my own settings, from another device. */
  function applySettings(id: number, settings: { muted?: boolean; pinned?: boolean }): void {
    const item = byId.get(id)
    if (!item) return
    if (typeof settings.muted === 'boolean') item.muted = settings.muted
    if (typeof settings.pinned === 'boolean') item.pinned = settings.pinned
  }

  /** I've seen everything in this conversation. */
  async function markRead(id: number): Promise<void> {
    const item = byId.get(id)
    if (!item) return
    const seq = item.last_seq
    if ((item.last_read_seq ?? 0) >= seq && item.unread_count === 0) return
    item.last_read_seq = Math.max(item.last_read_seq ?? 0, seq)
    item.unread_count = 0
    item.mention_count = 0
    const chat = useChatStore()
    chat.schedulePersist()
    const link = chat.link()
    try {
      if (link?.isOpen) await link.read(id, seq)
      else await conversationApi.read(id, seq)
    } catch {
      // Offline: the next visit marks it again.
    }
  }

  return {
    byId,
    listLoaded,
    listLoading,
    activeId,
    removedNotice,
    drafts,
    sorted,
    totalUnread,
    restore,
    restoreDrafts,
    setDraft,
    reset,
    upsert,
    remove,
    refreshList,
    resync,
    ensure,
    setActive,
    advancePos,
    noteMessage,
    patchLastMessage,
    applyMyRead,
    applyBrief,
    markDissolved,
    applySettings,
    markRead,
  }
})
