/** Register the service worker built by build/sw-plugin.ts (production only). */
import type { Router } from 'vue-router'
import { OPEN_MESSAGE } from '../../build/sw-push'

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      // Not fatal: the app works online without it.
    })
  })
}

/**
 * A tapped notification brought this tab forward: the worker posts the path
 * to open (build/sw-template.js `openFromNotification`) and the router goes there.
 */
export function routeNotificationTaps(router: Router): void {
  if (!('serviceWorker' in navigator)) return
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { type?: string; url?: unknown } | null
    if (data?.type !== OPEN_MESSAGE || typeof data.url !== 'string') return
    if (!data.url.startsWith('/') || data.url.startsWith('//')) return
    void router.push(data.url)
  })
  navigator.serviceWorker.startMessages()
}
