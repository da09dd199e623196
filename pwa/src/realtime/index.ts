/**
 * Wires the one ProtocolClient of this tab to the stores and to the
 * browser (online/offline, visibility → presence).
 */
import { useCallStore } from '@/stores/call'
import { useChatStore, useConversationsStore } from '@/stores/chat'
import { useConnectionStore } from '@/stores/connection'
import { useTodoStore } from '@/stores/todo'
import { defaultSocketUrl, ProtocolClient, type SocketLike } from './protocol'
import { routeEvent } from './router'

let client: ProtocolClient | null = null
let unbind: (() => void)[] = []

export function getClient(): ProtocolClient | null {
  return client
}

/**
 * Hand each event of `c` to the event router (router.ts), and tell the
 * stores when the link caught up. Returns the unsubscribe functions.
 */
export function bindStores(c: ProtocolClient, onUnauthorized: () => void): (() => void)[] {
  const chat = useChatStore()
  const connection = useConnectionStore()
  const todo = useTodoStore()
  const calls = useCallStore()
  return [
    c.onEvent(routeEvent),
    c.onState((state) => {
      connection.setState(state)
      if (state === 'unauthorized') onUnauthorized()
    }),
    // After every (re)connect: the outbox goes out, and the to-do doorbell
    // may have rung while we were away.
    c.onResumed(() => {
      chat.onResumed()
      todo.onResumed()
      // In a call: rejoin as the same peer (the server keeps it 30 s).
      void calls.onResumed()
    }),
  ]
}

export async function startRealtime(userId: number, onUnauthorized: () => void): Promise<void> {
  if (client) return
  const chat = useChatStore()
  const connection = useConnectionStore()
  client = new ProtocolClient({
    url: defaultSocketUrl,
    socketFactory: (url) => new WebSocket(url) as unknown as SocketLike,
  })
  const c = client
  chat.attach(c)
  useCallStore().attach(c, userId)
  const cached = chat.hydrate(userId)
  c.userId = userId
  unbind.push(...bindStores(c, onUnauthorized))
  const online = () => {
    connection.browserOnline = true
    c.nudge()
  }
  const offline = () => {
    connection.browserOnline = false
    c.dropConnection()
  }
  const visibility = () => {
    if (document.visibilityState === 'visible') c.nudge()
    if (c.isOpen) c.presence(document.visibilityState === 'visible' ? 'online' : 'away')
  }
  window.addEventListener('online', online)
  window.addEventListener('offline', offline)
  document.addEventListener('visibilitychange', visibility)
  unbind.push(
    () => window.removeEventListener('online', online),
    () => window.removeEventListener('offline', offline),
    () => document.removeEventListener('visibilitychange', visibility),
  )
  if (!cached) {
    // First visit on this device: the list (and so the positions) over REST.
    await useConversationsStore()
      .refreshList()
      .catch(() => undefined)
  }
  c.start()
}

export function stopRealtime(): void {
  for (const fn of unbind) fn()
  unbind = []
  client?.stop()
  client = null
  useChatStore().attach(null)
  useCallStore().attach(null, null)
  useConnectionStore().setState('idle')
}
