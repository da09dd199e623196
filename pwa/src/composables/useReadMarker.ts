/**
 * The read marker: what the reader has seen is reported read — shortly
 * after they reach the bottom of the conversation, while the tab is
 * visible, and only when something is unread. Debounced, so a burst of
 * messages or scroll events sends one `read`.
 */
import { computed, onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import { useConversationsStore } from '@/stores/chat'

const READ_DELAY_MS = 300

export function useReadMarker(id: number, atBottom: Ref<boolean>) {
  const conversations = useConversationsStore()
  const unread = computed(() => conversations.byId.get(id)?.unread_count)
  let timer: ReturnType<typeof setTimeout> | null = null

  function scheduleRead(): void {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      if (!unread.value) return
      if (!atBottom.value || document.visibilityState !== 'visible') return
      void conversations.markRead(id)
    }, READ_DELAY_MS)
  }

  const onVisibility = () => scheduleRead()
  watch(unread, scheduleRead)
  onMounted(() => document.addEventListener('visibilitychange', onVisibility))
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility)
    if (timer) clearTimeout(timer)
  })

  return { scheduleRead }
}
