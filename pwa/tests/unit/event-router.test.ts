import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { routeEvent } from '@/realtime/router'
import { onConversationChanged } from '@/realtime/subscriptions'
import { useChatStore, useConversationsStore } from '@/stores/chat'
import { useDirectoryStore } from '@/stores/directory'
import { ALICE, conversation, ME } from './fakes'

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
})
