import { describe, expect, it } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { ApiError } from '@/api/http'
import { useLoader } from '@/composables/useLoader'
import { flush } from './fakes'

describe('useLoader', () => {
  it('runs the task, with loading on while it runs and the error cleared', async () => {
    let finish: () => void = () => undefined
    const l = useLoader(() => new Promise<void>((resolve) => (finish = resolve)), {
      initial: false,
      immediate: false,
    })
    expect(l.loading.value).toBe(false)
    l.error.value = '旧的错误'
    const done = l.load()
    expect(l.loading.value).toBe(true)
    expect(l.error.value).toBeNull()
    finish()
    await done
    expect(l.loading.value).toBe(false)
    expect(l.error.value).toBeNull()
  })

  it('shows a failure as its message, or as `describe` says (null: none)', async () => {
    const failing = () => Promise.reject(new ApiError(503, 'unavailable', '服务暂不可用。'))
    const plain = useLoader(failing, { immediate: false })
    await plain.load()
    expect(plain.error.value).toBe('服务暂不可用。')
    expect(plain.loading.value).toBe(false)

    const seen: unknown[] = []
    const quiet = useLoader(failing, {
      immediate: false,
      describe: (error) => (seen.push(error), null),
    })
    await quiet.load()
    expect(quiet.error.value).toBeNull()
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBeInstanceOf(ApiError)
  })

  it('loads when the component mounts, starting with the spinner on', async () => {
    let calls = 0
    let state: ReturnType<typeof useLoader> | undefined
    const Page = defineComponent({
      setup() {
        state = useLoader(async () => {
          calls += 1
        })
        return () => h('div')
      },
    })
    const app = createApp(Page)
    expect(calls).toBe(0)
    app.mount(document.createElement('div'))
    expect(state!.loading.value).toBe(true)
    expect(calls).toBe(1)
    await flush()
    await nextTick()
    expect(state!.loading.value).toBe(false)
    app.unmount()
  })
})
