import { describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { preloadRoute } from '@/lib/preload'

describe('preloadRoute', () => {
  it('starts loading the layout and the view of the path, nothing else', () => {
    const layout = vi.fn(() => Promise.resolve({ template: '<router-view />' }))
    const chat = vi.fn(() => Promise.resolve({ template: '<div />' }))
    const login = vi.fn(() => Promise.resolve({ template: '<div />' }))
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', component: login },
        { path: '/', component: layout, children: [{ path: 'chats/:id', component: chat }] },
      ],
    })
    preloadRoute(router, '/chats/7')
    expect(layout).toHaveBeenCalledTimes(1)
    expect(chat).toHaveBeenCalledTimes(1)
    expect(login).not.toHaveBeenCalled()
  })

  it('ignores a failed download (the router will try again and report it)', async () => {
    const broken = vi.fn(() => Promise.reject(new Error('offline')))
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/x', component: broken }],
    })
    expect(() => preloadRoute(router, '/x')).not.toThrow()
    await Promise.resolve()
    expect(broken).toHaveBeenCalledTimes(1)
  })
})
