import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { saveJson } from '@/lib/storage'
import { useSessionStore } from '@/stores/session'
import { ME } from './fakes'

const api = vi.hoisted(() => ({
  authApi: { me: vi.fn(), login: vi.fn(), logout: vi.fn() },
}))
vi.mock('@/api/endpoints', () => api)
vi.mock('@/realtime', () => ({ startRealtime: vi.fn(), stopRealtime: vi.fn() }))

const user = { id: ME, name: '张晓明', mobile: '13800000003', avatar: null }

describe('session bootstrap', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    api.authApi.me.mockReset()
  })

  it('does not ask the server on the login screen of a device nobody signed in on', async () => {
    const session = useSessionStore()
    await session.bootstrap({ loginScreen: true })
    expect(api.authApi.me).not.toHaveBeenCalled()
    expect(session.status).toBe('anonymous')
    // The router's guard gets the same answer.
    await session.bootstrap()
    expect(api.authApi.me).not.toHaveBeenCalled()
  })

  it('asks on the login screen when someone signed in here before', async () => {
    saveJson('me', user)
    api.authApi.me.mockResolvedValue(user)
    const session = useSessionStore()
    await session.bootstrap({ loginScreen: true })
    expect(api.authApi.me).toHaveBeenCalledTimes(1)
    expect(session.status).toBe('authenticated')
  })

  it('asks on any other screen', async () => {
    api.authApi.me.mockResolvedValue(user)
    const session = useSessionStore()
    await session.bootstrap()
    expect(api.authApi.me).toHaveBeenCalledTimes(1)
    expect(session.status).toBe('authenticated')
  })
})
