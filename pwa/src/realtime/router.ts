/**
 * The event router: every server event frame goes through `routeEvent`,
 * which reads its type and hands it to the store that owns the entity (and
 * tells subscribed screens, see subscriptions.ts). Stores never read frames.
 */
import {
  useChatStore,
  useConversationsStore,
  useMessagesStore,
  useReceiptsStore,
  useTypingStore,
} from '@/stores/chat'
import { useCallStore } from '@/stores/call'
import { useDirectoryStore } from '@/stores/directory'
import { countsFromEvent, useTodoStore } from '@/stores/todo'
import { asKnownEvent, type KnownEvent } from './events'
import type { ServerEvent } from './protocol'
import {
  cardUpdated,
  conversationChanged,
  othersRead,
  supervisionChanged,
  todoChanged,
  urgentArrived,
} from './subscriptions'

export function routeEvent(frame: ServerEvent): void {
  const event = asKnownEvent(frame)
  if (!event) return
  if (event.event === 'call.ringing' || event.event === 'call.updated') {
    // Not positional: the call's state as a whole (docs/calls.md).
    const calls = useCallStore()
    if (event.event === 'call.ringing') calls.onRinging(event.data.call)
    else calls.onUpdated(event.data.call)
  } else if (event.event === 'call.signal') {
    void useCallStore().onSignal(event.data)
  } else if (event.event === 'presence') {
    useDirectoryStore().setPresence(event.data.user_id, event.data.status)
  } else if (event.event === 'todo.changed') {
    useTodoStore().doorbell(countsFromEvent(event))
    todoChanged()
  } else if (event.event === 'supervision.changed') {
    supervisionChanged()
  } else {
    routeChatEvent(event)
  }
}

type ChatEvent = Exclude<
  KnownEvent,
  {
    event:
      | 'presence'
      | 'todo.changed'
      | 'supervision.changed'
      | 'call.ringing'
      | 'call.updated'
      | 'call.signal'
  }
>

function routeChatEvent(event: ChatEvent): void {
  const chat = useChatStore()
  const conversations = useConversationsStore()
  const messages = useMessagesStore()
  const id = event.conversation_id
  if ('pos' in event) conversations.advancePos(id, event.pos)
  switch (event.event) {
    case 'message.new':
      if (event.message.sender) useTypingStore().stop(id, event.message.sender.id)
      messages.applyMessage(event.message)
      break
    case 'message.recalled':
      messages.applyRecalled(event.message)
      break
    case 'card.updated':
      messages.applyCardView({ ...event.data, view: event.data.view ?? null })
      cardUpdated(event.data.card_type, String(event.data.object_id))
      break
    case 'member.added':
      conversationChanged(id)
      break
    case 'member.removed': {
      const ids = event.data.user_ids ?? []
      if (chat.meId !== null && ids.includes(chat.meId)) conversations.remove(id)
      else conversationChanged(id)
      break
    }
    case 'conversation.updated':
      if (event.data.conversation) conversations.applyBrief(id, event.data.conversation)
      conversationChanged(id)
      break
    case 'conversation.dissolved':
      conversations.markDissolved(id)
      conversationChanged(id)
      break
    case 'conversation.added':
      if (event.data.conversation) conversations.upsert(event.data.conversation)
      break
    case 'conversation.removed':
      conversations.remove(id)
      break
    case 'resync':
      void conversations.resync(id)
      break
    case 'read':
      if (event.data.user_id === chat.meId) conversations.applyMyRead(id, event.data.seq)
      else {
        useReceiptsStore().applyRead(id, event.data)
        othersRead(id)
      }
      break
    case 'typing':
      useTypingStore().apply(id, event.data)
      break
    case 'membership.updated':
      conversations.applySettings(id, event.data)
      break
    case 'message.urgent':
      messages.applyUrgent(id, event.data.message_id, event.data.urgent)
      if (event.data.sender_id !== chat.meId) {
        urgentArrived({
          conversationId: id,
          messageId: event.data.message_id,
          seq: event.data.seq,
          senderName: event.data.sender_name,
          text: event.data.text,
          ring: event.data.ring,
          reminder: event.data.reminder,
        })
      }
      break
  }
  chat.schedulePersist()
}
