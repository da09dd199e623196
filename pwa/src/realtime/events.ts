/**
 * The server events this client understands, one type per `event` name,
 * generated from the server's frame models (realtime/event_types.py, the
 * `Ws…` components of the schema; docs/protocol.md). `asKnownEvent` is the
 * one place a wire frame is trusted to have its event's shape (the server
 * validates every frame it sends against the same models); everything after
 * it is typed.
 */
import type { components } from '@/api/schema'
import type { ServerEvent } from './protocol'

type Schemas = components['schemas']

export type MessageNewEvent = Schemas['WsMessageNewEvent']
export type MessageRecalledEvent = Schemas['WsMessageRecalledEvent']
export type CardUpdatedEvent = Schemas['WsCardUpdatedEvent']
export type MemberAddedEvent = Schemas['WsMemberAddedEvent']
export type MemberRemovedEvent = Schemas['WsMemberRemovedEvent']
export type ConversationUpdatedEvent = Schemas['WsConversationUpdatedEvent']
export type ConversationDissolvedEvent = Schemas['WsConversationDissolvedEvent']
export type ConversationAddedEvent = Schemas['WsConversationAddedEvent']
export type ConversationRemovedEvent = Schemas['WsConversationRemovedEvent']
export type ResyncEvent = Schemas['WsResyncEvent']
export type ReadEvent = Schemas['WsReadEvent']
export type TypingEvent = Schemas['WsTypingEvent']
export type MembershipUpdatedEvent = Schemas['WsMembershipUpdatedEvent']
export type PresenceEvent = Schemas['WsPresenceEvent']
export type TodoChangedEvent = Schemas['WsTodoChangedEvent']
export type MessageUrgentEvent = Schemas['WsMessageUrgentEvent']
export type CallRingingEvent = Schemas['WsCallRingingEvent']
export type CallUpdatedEvent = Schemas['WsCallUpdatedEvent']
export type CallSignalEvent = Schemas['WsCallSignalEvent']

/** Every event the server sends (the event part of `WsServerFrame`). */
export type KnownEvent = Extract<Schemas['WsServerFrame'], { type: 'event' }>

/** Events that carry `pos` and must be applied in order. */
const POSITIONAL: KnownEvent['event'][] = [
  'message.new',
  'message.recalled',
  'card.updated',
  'member.added',
  'member.removed',
  'conversation.updated',
  'conversation.dissolved',
]
export const POSITIONAL_EVENTS: ReadonlySet<string> = new Set<string>(POSITIONAL)

const KNOWN = new Set<string>([
  ...POSITIONAL,
  'conversation.added',
  'conversation.removed',
  'resync',
  'read',
  'typing',
  'membership.updated',
  'presence',
  'todo.changed',
  'message.urgent',
  'supervision.changed',
  'call.ringing',
  'call.updated',
  'call.signal',
] satisfies KnownEvent['event'][])

/** The typed event, or null for an event this client does not know (ignored). */
export function asKnownEvent(frame: ServerEvent): KnownEvent | null {
  if (!KNOWN.has(frame.event)) return null
  if ((frame.event === 'message.new' || frame.event === 'message.recalled') && !frame.message)
    return null
  return { ...frame, data: frame.data ?? {} } as KnownEvent
}
