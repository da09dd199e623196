/**
 * The directory search behind a search box (name, pinyin initials, phone):
 * results follow the query 250 ms after the last keystroke; an empty query
 * clears them at once. A failed search is shown as a toast unless the caller
 * handles it (`onError`, with `onSuccess` to clear what it showed).
 */
import { onScopeDispose, ref, watch } from 'vue'
import { showToast } from 'vant'
import { errorMessage } from '@/api/http'
import type { Person } from '@/api/types'
import { useDirectoryStore } from '@/stores/directory'

export interface PeopleSearchOptions {
  onError?: (error: unknown) => void
  onSuccess?: () => void
}

export function usePeopleSearch(options: PeopleSearchOptions = {}) {
  const directory = useDirectoryStore()
  const onError = options.onError ?? ((error: unknown) => showToast(errorMessage(error)))
  const query = ref('')
  const results = ref<Person[]>([])
  const searching = ref(false)

  let timer: ReturnType<typeof setTimeout> | null = null
  watch(query, (value) => {
    if (timer) clearTimeout(timer)
    if (!value.trim()) {
      results.value = []
      return
    }
    timer = setTimeout(async () => {
      searching.value = true
      try {
        results.value = await directory.search(value)
        options.onSuccess?.()
      } catch (error) {
        onError(error)
      } finally {
        searching.value = false
      }
    }, 250)
  })
  onScopeDispose(() => {
    if (timer) clearTimeout(timer)
  })

  return { query, results, searching }
}

/** 「综合科 科员」: a person's first position, as a search result's second line. */
export function positionLabel(person: Person): string {
  const pos = person.positions[0]
  return pos ? `${pos.department_name} ${pos.title}` : ''
}
