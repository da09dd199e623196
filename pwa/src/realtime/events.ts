/**
 * The server events this client understands, one type per `event` name
 * (docs/protocol.md). `asKnownEvent` is the one place a wire frame is
 * trusted to have its event's shape; everything after it is typed.
 */
import type { CardView, ConversationBrief, ConversationItem, Message, Presence } from '@/api/types'
import type { ServerEvent } from './protocol'

interface Frame<E extends string, D> {
  type: 'event'
  event: E
  conversation_id: number
  pos?: number
  data: D
}

type NoData = Record<string, unknown>

export type MessageNewEvent = Frame<'message.new', NoData> & { message: Message }
export type MessageRecalledEvent = Frame<'message.recalled', NoData> & { message: Message }
export type CardUpdatedEvent = Frame<
  'card.updated',
  { card_type: string; object_id: string; view: CardView | null }
>
export type MemberAddedEvent = Frame<'member.added', { user_ids?: number[]; by?: number }>
export type MemberRemovedEvent = Frame<'member.removed', { user_ids?: number[]; by?: number }>
export type ConversationUpdatedEvent = Frame<
  'conversation.updated',
  { conversation?: Partial<ConversationBrief> }
>
export type ConversationDissolvedEvent = Frame<'conversation.dissolved', NoData>
export type ConversationAddedEvent = Frame<
  'conversation.added',
  { conversation?: ConversationItem }
>
export type ConversationRemovedEvent = Frame<'conversation.removed', NoData>
export type ResyncEvent = Frame<'resync', NoData>
export type ReadEvent = Frame<'read', { user_id: number; seq: number; previous_seq: number }>
export type TypingEvent = Frame<'typing', { user_id: number; name: string }>
export type MembershipUpdatedEvent = Frame<
  'membership.updated',
  { muted?: boolean; pinned?: boolean }
>
export type PresenceEvent = Frame<'presence', { user_id: number; status: Presence }>
/** A doorbell: the counts may be in `data.counts`, `data` or the bare frame's `counts`. */
export type TodoChangedEvent = Frame<'todo.changed', NoData> & { counts?: unknown }

export type KnownEvent =
  | MessageNewEvent
  | MessageRecalledEvent
  | CardUpdatedEvent
  | MemberAddedEvent
  | MemberRemovedEvent
  | ConversationUpdatedEvent
  | ConversationDissolvedEvent
  | ConversationAddedEvent
  | ConversationRemovedEvent
  | ResyncEvent
  | ReadEvent
  | TypingEvent
  | MembershipUpdatedEvent
  | PresenceEvent
  | TodoChangedEvent

const KNOWN = new Set<string>([
  'message.new',
  'message.recalled',
  'card.updated',
  'member.added',
  'member.removed',
  'conversation.updated',
  'conversation.dissolved',
  'conversation.added',
  'conversation.removed',
  'resync',
  'read',
  'typing',
  'membership.updated',
  'presence',
  'todo.changed',
])

/** The typed event, or null for an event this client does not know (ignored). */
export function asKnownEvent(frame: ServerEvent): KnownEvent | null {
  if (!KNOWN.has(frame.event)) return null
  const withData = { ...frame, data: frame.data ?? {} }
  if ((frame.event === 'message.new' || frame.event === 'message.recalled') && !frame.message)
    return null
  return withData as unknown as KnownEvent
}
