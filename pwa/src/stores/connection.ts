/** The link's state as the screens see it (the offline banner, the composer). */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ConnectionState } from '@/realtime/protocol'

export const useConnectionStore = defineStore('connection', () => {
  const state = ref<ConnectionState>('idle')
  const browserOnline = ref(typeof navigator === 'undefined' ? true : navigator.onLine)
  /** Has the link been live at least once in this tab? */
  const everOpen = ref(false)

  /** Live (or only catching up after a gap: not worth a banner). */
  const connected = computed(
    () => browserOnline.value && (state.value === 'open' || state.value === 'resuming'),
  )

  function setState(next: ConnectionState): void {
    state.value = next
    if (next === 'open') everOpen.value = true
  }

  return { state, browserOnline, everOpen, connected, setState }
})
