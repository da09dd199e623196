import type { Router } from 'vue-router'

/**
 * Start downloading the code of the screen at `path` (its layout and view
 * chunks) right away. The router only loads a lazy route component after its
 * guard has run, and the guard waits for the session (`/api/v1/me`, and on a
 * first visit the conversation list): without this the first screen's chunks
 * queue behind those requests. Loading twice is free — the browser's module
 * map returns the same module.
 */
export function preloadRoute(router: Router, path: string): void {
  for (const record of router.resolve(path).matched) {
    const component = record.components?.default
    // Every route component here is lazy (`() => import(...)`): a function.
    if (typeof component === 'function') {
      void (component as () => Promise<unknown>)().catch(() => undefined)
    }
  }
}
