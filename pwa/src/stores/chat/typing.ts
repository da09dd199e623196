/** Who is typing where (a few seconds after each `typing` event), and my own typing. */
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { useChatStore } from './chat'

export interface TypingEntry {
  userId: number
  name: string
  until: number
}

const TYPING_MS = 6_000

export const useTypingStore = defineStore('typing', () => {
  const byConversation = reactive(new Map<number, TypingEntry[]>())
  const timers = new Map<number, ReturnType<typeof setTimeout>>()

  function forConversation(id: number): TypingEntry[] {
    const now = Date.now()
    return (byConversation.get(id) ?? []).filter((entry) => entry.until > now)
  }

  function apply(id: number, data: { user_id: number; name: string }): void {
    if (data.user_id === useChatStore().meId) return
    const entries = forConversation(id).filter((entry) => entry.userId !== data.user_id)
    entries.push({ userId: data.user_id, name: data.name, until: Date.now() + TYPING_MS })
    byConversation.set(id, entries)
    const old = timers.get(id)
    if (old) clearTimeout(old)
    timers.set(
      id,
      setTimeout(() => {
        byConversation.set(id, forConversation(id))
        timers.delete(id)
      }, TYPING_MS + 50),
    )
  }

  /** Their message arrived: they stopped typing it. */
  function stop(id: number, userId: number): void {
    const entries = byConversation.get(id)
    if (entries)
      byConversation.set(
        id,
        entries.filter((entry) => entry.userId !== userId),
      )
  }

  /** Tell the others I am typing here (the view throttles). */
  function send(id: number): void {
    const link = useChatStore().link()
    if (link?.isOpen) link.typing(id)
  }

  function forget(id: number): void {
    byConversation.delete(id)
  }

  function reset(): void {
    for (const timer of timers.values()) clearTimeout(timer)
    timers.clear()
    byConversation.clear()
  }

  return { byConversation, forConversation, apply, stop, send, forget, reset }
})
