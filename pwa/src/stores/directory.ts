/**
 * The address book (units → departments → people) and who is online.
 * What was browsed is kept on the device (`zt:directory`, wiped at logout):
 * offline, the tree and the people seen open from there and search looks
 * through them; online, a cached list shows at once and is refreshed once a
 * session.
 */
import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import { directoryApi } from '@/api/endpoints'
import type { Department, Person, Presence, Unit } from '@/api/types'
import { loadJson, saveJson } from '@/lib/storage'

const CACHE_KEY = 'directory'
/** Departments whose people are kept on the device (the most recently opened). */
const CACHED_DEPARTMENTS = 100

interface DeviceCopy {
  units: Unit[] | null
  departments: [number, Department[]][]
  people: [number, Person[]][]
}

export const useDirectoryStore = defineStore('directory', () => {
  const saved = loadJson<DeviceCopy>(CACHE_KEY)
  const units = ref<Unit[] | null>(saved?.units ?? null)
  const departments = reactive(new Map<number, Department[]>(saved?.departments ?? []))
  const people = reactive(new Map<number, Person[]>(saved?.people ?? []))
  const persons = reactive(new Map<number, Person>())
  const presence = reactive(new Map<number, Presence>())
  /** What was fetched from the server in this session (the rest came from the device). */
  const fresh = new Set<string>()
  for (const list of people.values()) for (const person of list) persons.set(person.id, person)

  let persistTimer: ReturnType<typeof setTimeout> | null = null
  function persist(): void {
    if (persistTimer) return
    persistTimer = setTimeout(() => {
      persistTimer = null
      const copy: DeviceCopy = {
        units: units.value,
        departments: [...departments.entries()],
        people: [...people.entries()].slice(-CACHED_DEPARTMENTS),
      }
      saveJson(CACHE_KEY, copy)
    }, 300)
  }

  /**
   * `key`'s value from the server, or — when the device has a copy — that copy
   * at once while the server's answer replaces it in the background (and the
   * copy alone when offline).
   */
  async function cached<T>(
    key: string,
    have: T | undefined,
    fetch: () => Promise<T>,
    keep: (value: T) => void,
    force: boolean,
  ): Promise<T> {
    const store = (value: T): T => {
      fresh.add(key)
      keep(value)
      persist()
      return value
    }
    if (have !== undefined && !force) {
      if (!fresh.has(key)) {
        fresh.add(key)
        void fetch()
          .then(store)
          .catch(() => fresh.delete(key))
      }
      return have
    }
    try {
      return store(await fetch())
    } catch (error) {
      if (have !== undefined) return have // offline: what the device kept
      throw error
    }
  }

  function remember(list: Person[]): Person[] {
    for (const person of list) {
      persons.set(person.id, person)
      presence.set(person.id, person.presence)
    }
    return list
  }

  async function loadUnits(force = false): Promise<Unit[]> {
    await cached(
      'units',
      units.value ?? undefined,
      () => directoryApi.units(),
      (value) => (units.value = value),
      force,
    )
    return units.value ?? []
  }

  async function loadDepartments(unitId: number, force = false): Promise<Department[]> {
    await cached(
      `departments:${unitId}`,
      departments.get(unitId),
      () => directoryApi.departments(unitId),
      (value) => departments.set(unitId, value),
      force,
    )
    return departments.get(unitId) ?? []
  }

  async function loadPeople(departmentId: number, force = false): Promise<Person[]> {
    await cached(
      `people:${departmentId}`,
      people.get(departmentId),
      () => directoryApi.people(departmentId),
      (value) => {
        people.delete(departmentId) // re-inserted last: the most recently opened are kept
        people.set(departmentId, remember(value))
      },
      force,
    )
    return people.get(departmentId) ?? []
  }

  async function loadPerson(id: number): Promise<Person> {
    const person = await directoryApi.person(id)
    remember([person])
    return person
  }

  async function search(q: string): Promise<Person[]> {
    const term = q.trim()
    if (!term) return []
    try {
      return remember(await directoryApi.search(term))
    } catch (error) {
      // Offline: the people kept on the device, by name, title or department.
      if (typeof navigator !== 'undefined' && navigator.onLine) throw error
      const found = searchDevice(term)
      if (!found.length) throw error
      return found
    }
  }

  function searchDevice(term: string): Person[] {
    const q = term.toLowerCase()
    return [...persons.values()].filter(
      (p) =>
        p.name.includes(term) ||
        p.positions.some(
          (pos) =>
            pos.title.includes(term) ||
            pos.department_name.includes(term) ||
            pos.unit_name.toLowerCase().includes(q),
        ),
    )
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
    fresh.clear()
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
