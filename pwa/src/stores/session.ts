/** Who is logged in; login and a logout that leaves nothing behind. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { authApi } from '@/api/endpoints'
import { ApiError, ensureCsrf, setUnauthorizedHandler } from '@/api/http'
import type { LoginBanner, LoginResult, Me, TwoFactorMethod, TwoFactorStep } from '@/api/types'
import { loadJson, saveJson, wipeLocalData } from '@/lib/storage'
import { startRealtime, stopRealtime } from '@/realtime'
import { browserPushEnv, disablePush } from '@/lib/webPush'
import { useChatStore } from './chat'
import { useDirectoryStore } from './directory'
import { useTodoStore } from './todo'

export type SessionStatus = 'unknown' | 'authenticated' | 'anonymous'

export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const status = ref<SessionStatus>('unknown')
  /** 登录提示 (last login, failures since): shown once after a login, then cleared. */
  const loginBanner = ref<LoginBanner | null>(null)
  /** The server says the password is past its age: 我的 → 修改密码 first. */
  const passwordExpired = ref(false)
  let booting: Promise<void> | null = null
  // Any 401 from the API while signed in means the session is gone.
  setUnauthorizedHandler(() => void expire())

  async function begin(user: Me): Promise<void> {
    me.value = user
    status.value = 'authenticated'
    saveJson('me', user)
    await startRealtime(user.id, () => void expire())
  }

  /**
   * On app start: ask the server; offline, trust the last known user.
   * `loginScreen`: the app opens on /login. If nobody has signed in on this
   * device there is no session to ask about, and the answer (401) would only
   * log an error in the console.
   */
  function bootstrap(options: { loginScreen?: boolean } = {}): Promise<void> {
    if (!booting && options.loginScreen && !loadJson<Me>('me')) {
      status.value = 'anonymous'
      booting = Promise.resolve()
    }
    if (!booting) {
      booting = (async () => {
        try {
          await begin(await authApi.me())
        } catch (error) {
          const cached = loadJson<Me>('me')
          if (error instanceof ApiError && error.isNetwork && cached) {
            await begin(cached)
          } else {
            status.value = 'anonymous'
          }
        }
      })()
    }
    return booting
  }

  /**
   * The password step. Resolves to null when signed in, or to the second step the
   * server asks for (两步验证: a code, or enrolment first); finish it with `verify`.
   */
  async function login(mobile: string, password: string): Promise<TwoFactorStep | null> {
    await ensureCsrf(true)
    const answer = await authApi.login(mobile, password)
    if ('step' in answer) return answer
    await finish(answer)
    return null
  }

  /** The second step; resolves to the recovery codes when it also enrolled (shown once). */
  async function verify(
    challenge: string,
    method: TwoFactorMethod,
    code: string,
  ): Promise<string[] | null> {
    const result = await authApi.loginTwoFactor({ challenge, method, code })
    await finish(result)
    return result.recovery_codes
  }

  async function finish({ user, banner, password_expired }: LoginResult): Promise<void> {
    loginBanner.value = banner
    passwordExpired.value = password_expired
    // Another user may have used this device: never show their cache.
    const previous = loadJson<Me>('me')
    if (previous && previous.id !== user.id) await wipeLocalData()
    await begin(user)
  }

  async function clearLocal(): Promise<void> {
    stopRealtime()
    useChatStore().reset()
    useDirectoryStore().reset()
    useTodoStore().reset()
    await wipeLocalData()
    me.value = null
    status.value = 'anonymous'
    booting = null
  }

  async function logout(): Promise<void> {
    // While still signed in: the server forgets this device's push endpoint,
    // so the next person to use it gets none of this person's notifications.
    await disablePush(browserPushEnv()).catch(() => undefined)
    try {
      await authApi.logout()
    } catch {
      // Offline or already expired: still wipe this device.
    }
    await clearLocal()
  }

  /** The server no longer knows this session (401 or WS close 4401). */
  async function expire(): Promise<void> {
    if (status.value !== 'authenticated') return
    await clearLocal()
    const { default: router } = await import('@/router')
    await router.replace({ name: 'login', query: { expired: '1' } })
  }

  return { me, status, loginBanner, passwordExpired, bootstrap, login, verify, logout, expire }
})
