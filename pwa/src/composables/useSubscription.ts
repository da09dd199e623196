/** Subscribe for as long as the calling component (or effect scope) lives. */
import { onScopeDispose } from 'vue'
import type { Unsubscribe } from '@/realtime/subscriptions'

export function useSubscription(subscribe: () => Unsubscribe): void {
  const unsubscribe = subscribe()
  onScopeDispose(unsubscribe)
}
