/**
 * The people ticked in a people picker (PersonPicker, 选择联系人): a tap
 * ticks or unticks a person; a locked one (me, an existing member, an
 * excluded person) stays as it is. `given` people show ticked without being
 * picked (already in the group). `onPick` may take a tap itself (single
 * mode: pick and close) by returning true.
 */
import { ref } from 'vue'

/** A person as a picker keeps them (PersonFace, or a form's PickedPerson). */
export interface PickedFace {
  id: number
  name: string
  avatar?: string | null
}

export interface PeopleSelectionOptions {
  locked?: (id: number) => boolean
  given?: (id: number) => boolean
  onPick?: (person: PickedFace) => boolean
}

export function usePeopleSelection(options: PeopleSelectionOptions = {}) {
  const picked = ref(new Map<number, PickedFace>())

  function isLocked(id: number): boolean {
    return options.locked?.(id) ?? false
  }
  function isChecked(id: number): boolean {
    return picked.value.has(id) || (options.given?.(id) ?? false)
  }
  function toggle(person: PickedFace): void {
    if (isLocked(person.id)) return
    const entry: PickedFace = { id: person.id, name: person.name, avatar: person.avatar }
    if (options.onPick?.(entry)) return
    const next = new Map(picked.value)
    if (next.has(person.id)) next.delete(person.id)
    else next.set(person.id, entry)
    picked.value = next
  }
  function reset(people: readonly PickedFace[] = []): void {
    picked.value = new Map(people.map((p) => [p.id, { ...p }]))
  }

  return { picked, isLocked, isChecked, toggle, reset }
}

export type PeopleSelection = ReturnType<typeof usePeopleSelection>
