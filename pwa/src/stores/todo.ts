/**
 * 待办: the counts behind the badges (工作台 tab, tiles) and the unified list.
 *
 * Counts are keyed by app (`approvals`, later `documents`, `supervision`, …)
 * plus the total, as the server sends them (`{"total": 3, "approvals": 2}`).
 * `todo.changed` is only a doorbell (docs/workflow.md): it may carry the new
 * counts, which are shown at once, and the list is refetched. Every
 * (re)connect refetches too, since a doorbell rung while offline is lost.
 * Screens that list an app's items subscribe with realtime/subscriptions
 * `onTodoChanged` to reload.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { TodoItem } from '@/api/approvalTypes'
import { todoApi } from '@/api/todo'
import type { TodoChangedEvent } from '@/realtime/events'

/** What the server counts: `total` and one number per app. */
export type TodoCountMap = Record<string, number>

function asCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null
}

/** Every count in a server object (`total` and one per app); null when there is none. */
function readCounts(raw: unknown): TodoCountMap | null {
  if (!raw || typeof raw !== 'object') return null
  const out: TodoCountMap = {}
  for (const [key, value] of Object.entries(raw)) {
    const count = asCount(value)
    if (count !== null) out[key] = count
  }
  return Object.keys(out).length ? out : null
}

/**
 * The counts a `todo.changed` event carries: `data.counts` (TodoChangedEvent); a bare
 * frame's `counts` or counts right in `data` are read too (older servers).
 */
export function countsFromEvent(
  event: Pick<TodoChangedEvent, 'data'> | { data?: object; counts?: object },
): TodoCountMap | null {
  const data: { counts?: object } = event.data ?? {}
  const bare = 'counts' in event ? event.counts : undefined
  return readCounts(data.counts ?? bare ?? data)
}

export const useTodoStore = defineStore('todo', () => {
  const total = ref(0)
  /** Per app: how many of its items wait for me. */
  const byApp = ref<Record<string, number>>({})
  const items = ref<TodoItem[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)

  const counts = computed<TodoCountMap>(() => ({ ...byApp.value, total: total.value }))

  function countOf(app: string): number {
    return byApp.value[app] ?? 0
  }

  /** Merge counts from the server (a full list answer, or what a doorbell carried). */
  function applyCounts(next: TodoCountMap, replace = false): void {
    const apps: Record<string, number> = replace ? {} : { ...byApp.value }
    for (const [key, value] of Object.entries(next)) if (key !== 'total') apps[key] = value
    byApp.value = apps
    if (next.total !== undefined) total.value = next.total
    else if (replace) total.value = 0
  }

  let running: Promise<void> | null = null
  let again = false
  let timer: ReturnType<typeof setTimeout> | null = null

  /** Fetch the list and counts; calls while one runs coalesce into one more. */
  function refresh(): Promise<void> {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      loading.value = true
      try {
        do {
          again = false
          const list = await todoApi.list()
          items.value = list.items ?? []
          applyCounts(readCounts(list.counts) ?? {}, true)
          loaded.value = true
          error.value = null
        } while (again)
      } catch (err) {
        error.value = err instanceof Error ? err.message : String(err)
      } finally {
        loading.value = false
        running = null
      }
    })()
    return running
  }

  function scheduleRefresh(ms = 250): void {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, ms)
  }

  /** `todo.changed` rang: show the counts it carried at once, then refetch. */
  function doorbell(next: TodoCountMap | null): void {
    if (next) applyCounts(next)
    scheduleRefresh()
  }

  /** The socket (re)connected and caught up: the doorbell may have rung meanwhile. */
  function onResumed(): void {
    void refresh()
  }

  function reset(): void {
    if (timer) clearTimeout(timer)
    timer = null
    total.value = 0
    byApp.value = {}
    items.value = []
    loaded.value = false
    error.value = null
  }

  return {
    total,
    byApp,
    counts,
    items,
    loaded,
    loading,
    error,
    countOf,
    refresh,
    doorbell,
    onResumed,
    reset,
  }
})
