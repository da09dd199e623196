import 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** Which tab this screen belongs to. */
    tab?: 'chats' | 'contacts' | 'workbench' | 'me'
    /** Show the bottom tab bar (phone layout). */
    tabbar?: boolean
  }
}
