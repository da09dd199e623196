import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { routeEvent } from '@/realtime/router'
import {
  onConversationChanged,
  onOthersRead,
  onSupervisionChanged,
  onUrgent,
} from '@/realtime/subscriptions'
import { useChatStore, useConversationsStore, useMessagesStore } from '@/stores/chat'
import { useDirectoryStore } from '@/stores/directory'
import { ALICE, conversation, ME, message } from './fakes'

vi.mock('@/api/endpoints', () => ({
  conversationApi: { get: vi.fn().mockRejectedValue(new Error('offline')) },
  messageApi: {},
}))

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useChatStore().hydrate(ME)
  useConversationsStore().upsert(conversation({ id: 7, last_pos: 3 }))
})

describe('the event router', () => {
  it('tells subscribed screens when a conversation’s members change, and stops on unsubscribe', () => {
    const changed = vi.fn()
    const unsubscribe = onConversationChanged(7, changed)
    routeEvent({ type: 'event', event: 'member.added', conversation_id: 7, pos: 4, data: {} })
    routeEvent({
      type: 'event',
      event: 'member.removed',
      conversation_id: 7,
      pos: 5,
      data: { user_ids: [ALICE] },
    })
    routeEvent({ type: 'event', event: 'member.added', conversation_id: 8, pos: 1, data: {} })
    expect(changed).toHaveBeenCalledTimes(2)
    unsubscribe()
    routeEvent({ type: 'event', event: 'conversation.dissolved', conversation_id: 7, data: {} })
    expect(changed).toHaveBeenCalledTimes(2)
    expect(useConversationsStore().byId.get(7)!.dissolved).toBe(true)
  })

  it('rings 督办 screens on supervision.changed, and stops on unsubscribe', () => {
    const changed = vi.fn()
    const unsubscribe = onSupervisionChanged(changed)
    routeEvent({ type: 'event', event: 'supervision.changed', data: { task_ids: [3, 9] } })
    expect(changed).toHaveBeenCalledTimes(1)
    unsubscribe()
    routeEvent({ type: 'event', event: 'supervision.changed', data: { task_ids: [3] } })
    expect(changed).toHaveBeenCalledTimes(1)
  })

  it('hands presence to the directory and ignores events it does not know', () => {
    const directory = useDirectoryStore()
    const setPresence = vi.spyOn(directory, 'setPresence')
    routeEvent({
      type: 'event',
      event: 'presence',
      conversation_id: 0,
      data: { user_id: ALICE, status: 'online' },
    })
    expect(setPresence).toHaveBeenCalledWith(ALICE, 'online')
    routeEvent({ type: 'event', event: 'call.ring', conversation_id: 7, pos: 4, data: {} })
    expect(useConversationsStore().byId.get(7)!.last_pos).toBe(3)
  })

  it('message.urgent puts the 加急 mark on the message and alerts me, not the sender', () => {
    const messages = useMessagesStore()
    const thread = messages.thread(7)
    thread.loaded = true
    thread.messages = [message({ id: 51, conversation_id: 7, seq: 3 })]
    const alerts = vi.fn()
    const unsubscribe = onUrgent(alerts)
    const mark = {
      channels: ['app', 'ring'] as ('app' | 'ring')[],
      by: ALICE,
      at: '2026-01-01T09:00:00Z',
    }
    const urgentEvent = (senderId: number, reminder: boolean) => ({
      type: 'event' as const,
      event: 'message.urgent',
      conversation_id: 7,
      data: {
        message_id: 51,
        seq: 3,
        sender_id: senderId,
        sender_name: '李四',
        text: '防汛紧急通知',
        ring: true,
        reminder,
        urgent: mark,
      },
    })
    routeEvent(urgentEvent(ALICE, false))
    expect(messages.thread(7).messages[0]!.urgent).toEqual(mark)
    expect(alerts).toHaveBeenCalledWith({
      conversationId: 7,
      messageId: 51,
      seq: 3,
      senderName: '李四',
      text: '防汛紧急通知',
      ring: true,
      reminder: false,
    })
    // My own 加急 seen from another device of mine: the badge, no alert.
    routeEvent(urgentEvent(ME, false))
    expect(alerts).toHaveBeenCalledTimes(1)
    unsubscribe()
    routeEvent(urgentEvent(ALICE, true))
    expect(alerts).toHaveBeenCalledTimes(1)
  })

  it('tells the 加急 detail when someone else read further, not when I did', () => {
    const read = vi.fn()
    const unsubscribe = onOthersRead(7, read)
    routeEvent({
      type: 'event',
      event: 'read',
      conversation_id: 7,
      data: { user_id: ALICE, seq: 3 },
    })
    routeEvent({ type: 'event', event: 'read', conversation_id: 7, data: { user_id: ME, seq: 3 } })
    expect(read).toHaveBeenCalledTimes(1)
    unsubscribe()
  })
})
