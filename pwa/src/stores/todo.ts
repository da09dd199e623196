/**
 * 待办: the counts behind the badges (工作台 tab, tiles) and the unified list.
 *
 * `todo.changed` is only a doorbell (docs/workflow.md): it may carry the new
 * counts, which are shown at once, and the list is refetched. Every
 * (re)connect refetches too, since a doorbell rung while offline is lost.
 * Screens that show approvals watch `changes` / `approvalUpdates` to reload.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { TodoCounts, TodoItem } from '@/api/approvalTypes'
import { todoApi } from '@/api/todo'
import type { ServerEvent } from '@/realtime/protocol'

const EMPTY: TodoCounts = { total: 0, approvals: 0 }

function asCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null
}

/** The counts a `todo.changed` event carries, wherever the server put them. */
export function countsFromEvent(event: {
  data?: Record<string, unknown>
  counts?: unknown
}): Partial<TodoCounts> | null {
  const data = event.data ?? {}
  const raw = (data.counts ?? event.counts ?? data) as Record<string, unknown> | undefined
  if (!raw || typeof raw !== 'object') return null
  const out: Partial<TodoCounts> = {}
  const total = asCount(raw.total)
  const approvals = asCount(raw.approvals)
  if (total !== null) out.total = total
  if (approvals !== null) out.approvals = approvals
  return Object.keys(out).length ? out : null
}

export const useTodoStore = defineStore('todo', () => {
  const counts = ref<TodoCounts>({ ...EMPTY })
  const items = ref<TodoItem[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** Bumped on every `todo.changed` (screens listing approvals reload). */
  const changes = ref(0)
  /** The last approval whose card changed (`card.updated`, card_type approval). */
  const approvalUpdates = ref<{ id: string; n: number } | null>(null)

  const total = computed(() => counts.value.total)
  const approvals = computed(() => counts.value.approvals)

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
          counts.value = { ...EMPTY, ...(list.counts ?? {}) }
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

  /** A socket event (realtime/index.ts hands over the ones this store knows). */
  function applyEvent(event: ServerEvent | (Record<string, unknown> & { event?: string })): void {
    const name = (event as ServerEvent).event
    if (name === 'todo.changed') {
      const next = countsFromEvent(event as ServerEvent)
      if (next) counts.value = { ...counts.value, ...next }
      changes.value += 1
      scheduleRefresh()
    } else if (name === 'card.updated') {
      const data = ((event as ServerEvent).data ?? {}) as Record<string, unknown>
      if (data.card_type === 'approval' && data.object_id !== undefined) {
        approvalUpdates.value = {
          id: String(data.object_id),
          n: (approvalUpdates.value?.n ?? 0) + 1,
        }
      }
    }
  }

  /** The socket (re)connected and caught up: the doorbell may have rung meanwhile. */
  function onResumed(): void {
    void refresh()
  }

  function reset(): void {
    if (timer) clearTimeout(timer)
    timer = null
    counts.value = { ...EMPTY }
    items.value = []
    loaded.value = false
    error.value = null
    changes.value = 0
    approvalUpdates.value = null
  }

  return {
    counts,
    items,
    loaded,
    loading,
    error,
    changes,
    approvalUpdates,
    total,
    approvals,
    refresh,
    applyEvent,
    onResumed,
    reset,
  }
})
