/**
 * "Something you fetched over REST changed on the server": screens that
 * show such data (a group's member list, an approval, the approval lists)
 * subscribe here and refetch; the event router announces it. A subscription
 * rather than a counter in a store, so the screen names what it listens to,
 * the router names when it happens, and no state is bumped only to signal.
 * Use `useSubscription` (composables/) in components: it unsubscribes on unmount.
 */
type Listener = () => void
export type Unsubscribe = () => void

const conversationListeners = new Map<number, Set<Listener>>()
const cardListeners = new Map<string, Set<Listener>>()
const supervisionListeners = new Set<Listener>()
const todoListeners = new Set<Listener>()
const readListeners = new Map<number, Set<Listener>>()
const urgentListeners = new Set<(alert: UrgentAlert) => void>()

/** A 加急 for me (`message.urgent`), for the in-app alert (components/UrgentAlert.vue). */
export interface UrgentAlert {
  conversationId: number
  messageId: number
  seq: number
  senderName: string
  text: string
  ring: boolean
  reminder: boolean
}

function add<K>(map: Map<K, Set<Listener>>, key: K, listener: Listener): Unsubscribe {
  let set = map.get(key)
  if (!set) {
    set = new Set()
    map.set(key, set)
  }
  set.add(listener)
  return () => {
    set.delete(listener)
    if (set.size === 0) map.delete(key)
  }
}

function call(listeners: Iterable<Listener> | undefined): void {
  for (const listener of [...(listeners ?? [])]) listener()
}

const cardKey = (cardType: string, objectId: string) => `${cardType}:${objectId}`

/** Members, roles, name or state of a conversation changed. */
export function onConversationChanged(id: number, listener: Listener): Unsubscribe {
  return add(conversationListeners, id, listener)
}

export function conversationChanged(id: number): void {
  call(conversationListeners.get(id))
}

/** The object behind a card (e.g. approval 51) changed. */
export function onCardUpdated(cardType: string, objectId: string, listener: Listener): Unsubscribe {
  return add(cardListeners, cardKey(cardType, objectId), listener)
}

export function cardUpdated(cardType: string, objectId: string): void {
  call(cardListeners.get(cardKey(cardType, objectId)))
}

/** Something waiting for me (待办) changed, in any app. */
export function onTodoChanged(listener: Listener): Unsubscribe {
  todoListeners.add(listener)
  return () => void todoListeners.delete(listener)
}

export function todoChanged(): void {
  call(todoListeners)
}

/** A 督办 task I can see changed (it or a task below it): `supervision.changed`. */
export function onSupervisionChanged(listener: Listener): Unsubscribe {
  supervisionListeners.add(listener)
  return () => void supervisionListeners.delete(listener)
}

export function supervisionChanged(): void {
  call(supervisionListeners)
}

/** Someone else read further in a conversation (the 加急 detail refetches who read it). */
export function onOthersRead(id: number, listener: Listener): Unsubscribe {
  return add(readListeners, id, listener)
}

export function othersRead(id: number): void {
  call(readListeners.get(id))
}

/** A message I have not read was marked 加急 (or its sender reminded me again). */
export function onUrgent(listener: (alert: UrgentAlert) => void): Unsubscribe {
  urgentListeners.add(listener)
  return () => void urgentListeners.delete(listener)
}

export function urgentArrived(alert: UrgentAlert): void {
  for (const listener of [...urgentListeners]) listener(alert)
}
