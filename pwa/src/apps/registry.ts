/**
 * Card apps register here instead of being written into the platform's
 * screens: a workbench tile, how their 待办 items show, the component for
 * each card type they send into chat, and their routes. The platform
 * (工作台, 待办, the chat, the router) only reads these registries, so a new
 * app (公文, 督办, …) is one `registerApp` call in its own apps/<app>/index.ts
 * plus one import line in apps/index.ts.
 */
import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'

/** A tile on 工作台. */
export interface WorkbenchTile {
  /** Stable key (`data-testid="tile-<key>"`). */
  key: string
  /** The route name the tile opens. */
  route: string
  /** A Vant icon name, and the icon's background (default: the brand blue). */
  icon: string
  color?: string
  /** i18n key of the label. */
  label: string
  /** Whose 待办 count the badge shows: one app's (by its server key) or the total. */
  badge: { app: string } | 'total' | null
  /** Position on the grid (ascending). */
  order: number
}

/** How an app's items show in 待办 (today the icon; the tab once several apps report). */
export interface TodoTab {
  /** The app key the server puts on its items and counts (`approvals`). */
  app: string
  /** Other spellings the server may use for the same app. */
  aliases?: string[]
  icon: string
  /** i18n key of the tab label. */
  label: string
  order: number
}

/**
 * The component that draws a card of `cardType` in a chat bubble. It takes
 * the props `card: Card`, `note: string`, `busy: boolean` and emits
 * `action(action: CardAction)`, like the generic components/chat/CardMessage.vue.
 * Register it with defineAsyncComponent if it is large: this module is in
 * the first bundle.
 */
export interface CardRenderer {
  cardType: string
  component: Component
}

/** The colour of a card's status tag, as the app's own detail page shows that status. */
export type StatusTone = 'primary' | 'success' | 'danger' | 'warning' | 'default'

export interface CardStatusTones {
  cardType: string
  tone: (status: string) => StatusTone
}

export interface AppRegistration {
  /** The app's key, as the server names it (`approvals`). */
  key: string
  tiles?: WorkbenchTile[]
  todoTab?: TodoTab
  cards?: CardRenderer[]
  /** Status tag colours of its cards drawn by the generic card (default: primary). */
  cardTones?: CardStatusTones[]
  /** Child routes of the signed-in layout (lazy components, please). */
  routes?: RouteRecordRaw[]
}

const apps = new Map<string, AppRegistration>()

export function registerApp(app: AppRegistration): void {
  if (apps.has(app.key)) throw new Error(`app ${app.key} is registered twice`)
  for (const card of app.cards ?? []) {
    if (cardComponent(card.cardType)) throw new Error(`card ${card.cardType} has two renderers`)
  }
  apps.set(app.key, app)
}

export function workbenchTiles(): WorkbenchTile[] {
  return [...apps.values()].flatMap((app) => app.tiles ?? []).sort((a, b) => a.order - b.order)
}

export function todoTabs(): TodoTab[] {
  return [...apps.values()]
    .flatMap((app) => (app.todoTab ? [app.todoTab] : []))
    .sort((a, b) => a.order - b.order)
}

/** The 待办 tab of the app that reported an item (by its key or an alias). */
export function todoTabOf(app: string): TodoTab | undefined {
  return todoTabs().find((tab) => tab.app === app || tab.aliases?.includes(app))
}

/** The registered renderer of a card type (undefined: the chat's generic card). */
export function cardComponent(cardType: string): Component | undefined {
  for (const app of apps.values()) {
    const found = app.cards?.find((card) => card.cardType === cardType)
    if (found) return found.component
  }
  return undefined
}

export function cardStatusTone(cardType: string, status: string): StatusTone {
  for (const app of apps.values()) {
    const found = app.cardTones?.find((entry) => entry.cardType === cardType)
    if (found) return found.tone(status)
  }
  return 'primary'
}

export function appRoutes(): RouteRecordRaw[] {
  return [...apps.values()].flatMap((app) => app.routes ?? [])
}
