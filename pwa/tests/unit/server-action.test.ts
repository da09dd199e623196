import { describe, expect, it } from 'vitest'
import { availabilityAttrs } from '@/lib/serverAction'

describe('availabilityAttrs', () => {
  it('leaves an action that may be pressed as it is', () => {
    expect(availabilityAttrs({ enabled: true, disabled_reason: '' })).toEqual({
      class: { 'is-unavailable': false },
      'aria-disabled': false,
      title: undefined,
    })
  })

  it('dims an action that may not be pressed now and says why', () => {
    expect(availabilityAttrs({ enabled: false, disabled_reason: '已超过撤回时限。' })).toEqual({
      class: { 'is-unavailable': true },
      'aria-disabled': true,
      title: '已超过撤回时限。',
    })
  })
})
