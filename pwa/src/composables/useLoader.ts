/**
 * A page's load, with its state: `loading` while it runs, `error` (the
 * message to show, for BaseLoadError and 重试) when it failed, and `load()`
 * to run it again. It runs when the component mounts unless `immediate` is
 * false. `describe` turns a failure into the message (errorMessage by
 * default); returning null shows none (the caller handled it, e.g. 403).
 */
import { onMounted, ref } from 'vue'
import { errorMessage } from '@/api/http'

export interface LoaderOptions {
  describe?: (error: unknown) => string | null
  /** `loading` before the first run (true: the page starts with its spinner). */
  initial?: boolean
  immediate?: boolean
}

export function useLoader(task: () => Promise<unknown>, options: LoaderOptions = {}) {
  const describe = options.describe ?? errorMessage
  const loading = ref(options.initial ?? true)
  const error = ref<string | null>(null)

  async function load(): Promise<void> {
    error.value = null
    loading.value = true
    try {
      await task()
    } catch (err) {
      error.value = describe(err)
    } finally {
      loading.value = false
    }
  }

  if (options.immediate !== false) onMounted(load)
  return { loading, error, load }
}
