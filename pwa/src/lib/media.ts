import { onBeforeUnmount, ref, type Ref } from 'vue'

/** Reactive `matchMedia` (the two-pane layout starts at 768 px, a tablet). */
export function useMedia(query: string): Ref<boolean> {
  const mql = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null
  const matches = ref(mql?.matches ?? false)
  const onChange = (event: MediaQueryListEvent) => (matches.value = event.matches)
  mql?.addEventListener('change', onChange)
  onBeforeUnmount(() => mql?.removeEventListener('change', onChange))
  return matches
}
