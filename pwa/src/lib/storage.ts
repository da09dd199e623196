/**
 * Everything the PWA keeps on the device lives under the `zt:` prefix in
 * localStorage, so logout can find and wipe it (see wipeLocalData()).
 */
const PREFIX = 'zt:'

function store(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

export function loadJson<T>(key: string): T | null {
  const raw = store()?.getItem(PREFIX + key)
  if (!raw) return null
  try {
    return JSON.parse(raw) as T
  } catch {
    return null
  }
}

export function saveJson(key: string, value: unknown): void {
  try {
    store()?.setItem(PREFIX + key, JSON.stringify(value))
  } catch {
    // Quota exceeded: the cache is an optimisation; the server has the truth.
  }
}

export function removeKey(key: string): void {
  store()?.removeItem(PREFIX + key)
}

/** Logout: every local trace — our keys, any other storage, caches, IndexedDB. */
export async function wipeLocalData(): Promise<void> {
  try {
    localStorage.clear()
    sessionStorage.clear()
  } catch {
    /* storage disabled */
  }
  if (typeof caches !== 'undefined') {
    try {
      const keys = await caches.keys()
      await Promise.all(keys.map((key) => caches.delete(key)))
    } catch {
      /* CacheStorage unavailable (insecure context) */
    }
  }
  if (typeof indexedDB !== 'undefined' && 'databases' in indexedDB) {
    try {
      const dbs = await indexedDB.databases()
      await Promise.all(
        dbs.map(
          (db) =>
            new Promise<void>((resolve) => {
              if (!db.name) return resolve()
              const req = indexedDB.deleteDatabase(db.name)
              req.onsuccess = req.onerror = req.onblocked = () => resolve()
            }),
        ),
      )
    } catch {
      /* ignore */
    }
  }
  // The service worker holds only the app shell; put it back so the login
  // screen still opens offline. It never stores API responses.
  if (typeof navigator !== 'undefined' && navigator.serviceWorker?.controller) {
    navigator.serviceWorker.controller.postMessage({ type: 'recache-shell' })
  }
}
