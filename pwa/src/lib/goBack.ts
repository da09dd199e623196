import type { Router, RouteLocationRaw } from 'vue-router'

/** Back where the person came from; opened directly (a notification, a link): to `fallback`. */
export function goBack(router: Router, fallback: RouteLocationRaw): void {
  const state = window.history.state as { back?: string | null } | null
  if (state?.back) router.back()
  else void router.replace(fallback)
}
