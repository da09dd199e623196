import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import type { Person } from '@/api/types'
import { positionLabel, usePeopleSearch } from '@/lib/usePeopleSearch'
import { useDirectoryStore } from '@/stores/directory'
import { flush } from './fakes'

const WU: Person = {
  id: 7,
  name: '吴晓燕',
  mobile: '13800000007',
  mobile_masked: false,
  office_phone: '',
  avatar: null,
  employee_no: '',
  presence: 'online',
  positions: [
    {
      unit_id: 1,
      unit_name: '市府办',
      department_id: 3,
      department_name: '综合科',
      title: '科长',
      is_leader: true,
    },
  ],
}

describe('people search', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    setActivePinia(createPinia())
  })
  afterEach(() => vi.useRealTimers())

  it('searches 250 ms after the last keystroke and clears at once on an empty query', async () => {
    const search = vi.spyOn(useDirectoryStore(), 'search').mockResolvedValue([WU])
    const onSuccess = vi.fn()
    const scope = effectScope()
    const s = scope.run(() => usePeopleSearch({ onSuccess }))!
    s.query.value = '吴'
    await nextTick()
    s.query.value = '吴晓'
    await nextTick()
    vi.advanceTimersByTime(249)
    expect(search).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(search).toHaveBeenCalledTimes(1)
    expect(search).toHaveBeenCalledWith('吴晓')
    expect(s.searching.value).toBe(true)
    await flush()
    expect(s.results.value).toEqual([WU])
    expect(s.searching.value).toBe(false)
    expect(onSuccess).toHaveBeenCalledTimes(1)

    s.query.value = '  '
    await nextTick()
    expect(s.results.value).toEqual([])
    scope.stop()
  })

  it('hands a failure to the caller, and stops a pending search with its scope', async () => {
    const search = vi.spyOn(useDirectoryStore(), 'search').mockRejectedValue(new Error('offline'))
    const onError = vi.fn()
    const scope = effectScope()
    const s = scope.run(() => usePeopleSearch({ onError }))!
    s.query.value = '吴'
    await nextTick()
    vi.advanceTimersByTime(250)
    await flush()
    expect(onError).toHaveBeenCalledWith(new Error('offline'))
    expect(s.searching.value).toBe(false)

    s.query.value = '张'
    await nextTick()
    scope.stop()
    vi.advanceTimersByTime(1000)
    expect(search).toHaveBeenCalledTimes(1)
  })

  it('labels a result with its first position', () => {
    expect(positionLabel(WU)).toBe('综合科 科长')
    expect(positionLabel({ ...WU, positions: [] })).toBe('')
  })
})
