/** The address book (units → departments → people) and who is online. */
import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { directoryApi } from '@/api/endpoints'
import type { Department, Person, Presence, Unit } from '@/api/types'

export const useDirectoryStore = defineStore('directory', () => {
  const units = ref<Unit[] | null>(null)
  const departments = reactive(new Map<number, Department[]>())
  const people = reactive(new Map<number, Person[]>())
  const persons = reactive(new Map<number, Person>())
  const presence = reactive(new Map<number, Presence>())

  function remember(list: Person[]): Person[] {
    for (const person of list) {
      persons.set(person.id, person)
      presence.set(person.id, person.presence)
    }
    return list
  }

  async function loadUnits(force = false): Promise<Unit[]> {
    if (!units.value || force) units.value = await directoryApi.units()
    return units.value
  }

  async function loadDepartments(unitId: number, force = false): Promise<Department[]> {
    if (!departments.has(unitId) || force)
      departments.set(unitId, await directoryApi.departments(unitId))
    return departments.get(unitId)!
  }

  async function loadPeople(departmentId: number, force = false): Promise<Person[]> {
    if (!people.has(departmentId) || force) {
      people.set(departmentId, remember(await directoryApi.people(departmentId)))
    }
    return people.get(departmentId)!
  }

  async function loadPerson(id: number): Promise<Person> {
    const person = await directoryApi.person(id)
    remember([person])
    return person
  }

  async function search(q: string): Promise<Person[]> {
    const term = q.trim()
    if (!term) return []
    return remember(await directoryApi.search(term))
  }

  function setPresence(userId: number, status: Presence): void {
    presence.set(userId, status)
    const person = persons.get(userId)
    if (person) person.presence = status
  }

  function presenceOf(userId: number): Presence {
    return presence.get(userId) ?? 'offline'
  }

  function reset(): void {
    units.value = null
    departments.clear()
    people.clear()
    persons.clear()
    presence.clear()
  }

  return {
    units,
    departments,
    people,
    persons,
    presence,
    loadUnits,
    loadDepartments,
    loadPeople,
    loadPerson,
    search,
    setPresence,
    presenceOf,
    reset,
  }
})
