import { describe, expect, it } from 'vitest'
import { usePeopleSelection } from '@/composables/usePeopleSelection'

const WU = { id: 7, name: '吴晓燕', avatar: null }
const LI = { id: 8, name: '李明', avatar: '/a/8.png' }
const ME = { id: 1, name: '周建国', avatar: null }

describe('people selection', () => {
  it('ticks and unticks a person, keeping only id, name and avatar', () => {
    const s = usePeopleSelection()
    s.toggle({ ...WU, extra: 'dropped' } as typeof WU)
    s.toggle(LI)
    expect([...s.picked.value.values()]).toEqual([WU, LI])
    expect(s.isChecked(7)).toBe(true)
    s.toggle(WU)
    expect([...s.picked.value.keys()]).toEqual([8])
    expect(s.isChecked(7)).toBe(false)
  })

  it('leaves a locked person as they are, and shows given people ticked without picking them', () => {
    const s = usePeopleSelection({ locked: (id) => id === 1 || id === 8, given: (id) => id === 8 })
    s.toggle(ME)
    s.toggle(LI)
    expect(s.picked.value.size).toBe(0)
    expect(s.isLocked(1)).toBe(true)
    expect(s.isChecked(8)).toBe(true)
    expect(s.isChecked(1)).toBe(false)
    s.toggle(WU)
    expect([...s.picked.value.keys()]).toEqual([7])
  })

  it('lets onPick take a tap (single mode) and starts again from a preset list', () => {
    const taken: unknown[] = []
    const s = usePeopleSelection({ onPick: (person) => (taken.push(person), true) })
    s.toggle(LI)
    expect(taken).toEqual([LI])
    expect(s.picked.value.size).toBe(0)

    s.reset([WU, { id: 9, name: '王芳' }])
    expect([...s.picked.value.values()]).toEqual([WU, { id: 9, name: '王芳' }])
    s.reset()
    expect(s.picked.value.size).toBe(0)
  })
})
