/**
 * The outbox: messages written here and not yet acknowledged by the server.
 * Kept on the device, sent in order whenever the link is open, settled when
 * the server's copy arrives (ack, event or REST page — whichever is first).
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Attachment, ReplyRef, UrgentChannel } from '@/api/types'
import { loadJson, saveJson } from '@/lib/storage'
import { uuid } from '@/lib/uuid'
import { ProtocolError } from '@/realtime/protocol'
import { useChatStore } from './chat'
import { useMessagesStore } from './messages'

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
  /** Sent as 加急 with these channels (absent in items saved before 加急 existed). */
  urgent?: { channels: UrgentChannel[] } | null
  created_at: string
  status: OutboxStatus
  error: string | null
}

export const useOutboxStore = defineStore('outbox', () => {
  const items = ref<OutboxItem[]>([])
  let flushing = false

  function forConversation(id: number): OutboxItem[] {
    return items.value.filter((item) => item.conversation_id === id)
  }

  function persist(): void {
    const chat = useChatStore()
    if (chat.meId !== null) saveJson(chat.userKey('outbox'), items.value)
  }

  /** What waited on the device; a send cut short by a reload is queued again. */
  function restore(): void {
    const queued = loadJson<OutboxItem[]>(useChatStore().userKey('outbox'))
    items.value = (queued ?? []).map((item) =>
      item.status === 'sending' ? { ...item, status: 'queued' } : item,
    )
  }

  function reset(): void {
    items.value = []
    flushing = false
  }

  /** The server has this message now (ack, event or page): nothing left to send. */
  function drop(clientId: string): void {
    if (!clientId) return
    const before = items.value.length
    items.value = items.value.filter((item) => item.client_id !== clientId)
    if (items.value.length !== before) persist()
  }

  function dropConversation(id: number): void {
    items.value = items.value.filter((item) => item.conversation_id !== id)
    persist()
  }

  /** Queue a message; it goes out now if connected, else when the link returns. */
  function enqueue(input: {
    conversationId: number
    text: string
    attachment?: Attachment | null
    replyTo?: ReplyRef | null
    mentions?: number[]
    mentionAll?: boolean
    urgent?: { channels: UrgentChannel[] } | null
  }): OutboxItem {
    const item: OutboxItem = {
      client_id: uuid(),
      conversation_id: input.conversationId,
      text: input.text,
      attachment: input.attachment ?? null,
      reply_to: input.replyTo ?? null,
      mentions: input.mentions ?? [],
      mention_all: input.mentionAll ?? false,
      urgent: input.urgent ?? null,
      created_at: new Date().toISOString(),
      status: 'queued',
      error: null,
    }
    items.value = [...items.value, item]
    persist()
    void flush()
    return item
  }

  function setStatus(clientId: string, status: OutboxStatus, error: string | null = null): void {
    const item = items.value.find((entry) => entry.client_id === clientId)
    if (item) {
      item.status = status
      item.error = error
      persist()
    }
  }

  /** Send queued messages in order; stop at the first transient failure. */
  async function flush(): Promise<void> {
    const link = useChatStore().link()
    if (flushing || !link || !link.isOpen) return
    flushing = true
    try {
      for (;;) {
        const next = items.value.find((item) => item.status === 'queued')
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
            ...(next.urgent ? { urgent: next.urgent } : {}),
          })
          useMessagesStore().applyMessage(message)
          drop(next.client_id)
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
    void flush()
  }

  function discard(clientId: string): void {
    drop(clientId)
  }

  return {
    items,
    forConversation,
    restore,
    reset,
    drop,
    dropConversation,
    enqueue,
    flush,
    retry,
    discard,
  }
})
