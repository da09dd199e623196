/**
 * The one WebSocket a tab holds (`/ws/v1/`), as a plain class so it can be
 * tested without a browser: the socket and the timers are injected.
 *
 * It owns the transport rules of the protocol:
 * - every command carries an `id` and gets exactly one `ack` or `error`;
 * - a heartbeat `ping` every 25 s (a missing ack means the link is dead);
 * - reconnect with exponential back-off (and at once when the browser says
 *   it is online again);
 * - `resume` after every (re)connect, with the position reached in every
 *   conversation;
 * - positional events are applied only in order: `pos == last + 1` is
 *   delivered, `pos <= last` is a duplicate and dropped, a gap re-sends
 *   `resume` so the server fills it from the database.
 *
 * What an event *means* is decided by the event router (router.ts) and the stores it feeds.
 */
import type { components } from '@/api/schema'
import type { Message, UrgentChannel } from '@/api/types'
import type { SignalKind } from '@/calls/types'
import { asKnownEvent, POSITIONAL_EVENTS } from './events'

type Schemas = components['schemas']

/** Any frame the server sends (generated from realtime/event_types.py, docs/protocol.md). */
export type ServerFrame = Schemas['WsServerFrame']

/** The part of the browser's WebSocket this class uses. */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: { code: number; reason?: string }) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onerror: ((event: unknown) => void) | null
}

export type SocketFactory = (url: string) => SocketLike

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export const OPEN = 1

export const CLOSE_UNAUTHENTICATED = 4401
export const CLOSE_BAD_ORIGIN = 4403
export const CLOSE_TOO_SLOW = 4408

/** The `send` command's payload (docs/protocol.md, `send`). */
export interface SendPayload {
  conversation_id: number
  client_id: string
  text: string
  attachment_id?: string
  reply_to?: number
  mentions?: number[]
  mention_all?: boolean
  /** Send as 加急 in the same transaction (docs/protocol.md, `send`). */
  urgent?: { channels: UrgentChannel[] }
}

/**
 * An event frame as the transport reads it: which event, in which conversation, at
 * which position. What each event carries is typed in events.ts (`asKnownEvent`);
 * the transport passes on events it does not know, and the router ignores them.
 */
export interface ServerEvent {
  type: 'event'
  event: string
  /** Absent on events about no conversation (`presence`, `todo.changed`). */
  conversation_id?: number
  pos?: number
  data: object
  message?: Message
}

/** What each command's `ack` carries (docs/protocol.md, realtime/socket_ops.py). */
interface AckOf {
  send: Schemas['WsSendAck']
  read: Schemas['WsReadAck']
  recall: Schemas['WsRecallAck']
  presence: Schemas['WsPresenceAck']
  card_action: Schemas['WsCardActionAck']
  ping: Schemas['WsPingAck']
  resume: Schemas['WsResumeAck']
  typing: Schemas['WsEmpty']
  call_join: Schemas['WsCallJoinAck']
  call_leave: Schemas['WsEmpty']
  call_signal: Schemas['WsEmpty']
  call_media: Schemas['WsEmpty']
}
type Command = keyof AckOf
type AckData = Schemas['WsAck']['data']

/** A bare doorbell frame `{type: "todo.changed", counts}` (older servers): read as the event. */
interface BareTodoFrame {
  type: 'todo.changed'
  counts?: Record<string, number>
}

export type ConnectionState =
  | 'idle' // not started, or stopped (logged out)
  | 'connecting' // socket opening, or waiting to retry
  | 'resuming' // open, catching up
  | 'open' // caught up: live
  | 'unauthorized' // server closed with 4401: the session is gone

export class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ProtocolError'
  }

  /** The command may not have reached the server: safe to retry later. */
  get isTransient(): boolean {
    return this.code === 'disconnected' || this.code === 'timeout'
  }
}

export interface ProtocolOptions {
  url: () => string
  socketFactory: SocketFactory
  scheduler?: Scheduler
  heartbeatMs?: number
  requestTimeoutMs?: number
  backoffInitialMs?: number
  backoffMaxMs?: number
  random?: () => number
}

interface Pending {
  resolve: (data: AckData) => void
  reject: (error: ProtocolError) => void
  timer: unknown
}

type Listener<T> = (value: T) => void

export class ProtocolClient {
  state: ConnectionState = 'idle'
  userId: number | null = null
  /** Reconnect attempts since the last successful resume. */
  attempt = 0

  private readonly opts: Required<Omit<ProtocolOptions, 'url' | 'socketFactory'>> &
    Pick<ProtocolOptions, 'url' | 'socketFactory'>
  private socket: SocketLike | null = null
  private nextId = 1
  private pending = new Map<string, Pending>()
  private positions = new Map<number, number>()
  private heartbeatTimer: unknown = null
  private reconnectTimer: unknown = null
  private resumeInFlight = false
  private resumeAgain = false
  private started = false

  private eventListeners: Listener<ServerEvent>[] = []
  private stateListeners: Listener<ConnectionState>[] = []
  private resumedListeners: Listener<Record<string, number>>[] = []
  private positionListeners: Listener<Record<string, number>>[] = []

  constructor(options: ProtocolOptions) {
    this.opts = {
      scheduler: realScheduler,
      heartbeatMs: 25_000,
      requestTimeoutMs: 15_000,
      backoffInitialMs: 1_000,
      backoffMaxMs: 30_000,
      random: Math.random,
      ...options,
    }
  }

  // --- subscriptions ---------------------------------------------------------

  onEvent(listener: Listener<ServerEvent>): () => void {
    return this.subscribe(this.eventListeners, listener)
  }

  onState(listener: Listener<ConnectionState>): () => void {
    return this.subscribe(this.stateListeners, listener)
  }

  /** After each successful resume: the server's positions for all my conversations. */
  onResumed(listener: Listener<Record<string, number>>): () => void {
    return this.subscribe(this.resumedListeners, listener)
  }

  /** Whenever positions change (persist them together with the state they describe). */
  onPositions(listener: Listener<Record<string, number>>): () => void {
    return this.subscribe(this.positionListeners, listener)
  }

  private subscribe<T>(list: Listener<T>[], listener: Listener<T>): () => void {
    list.push(listener)
    return () => {
      const index = list.indexOf(listener)
      if (index >= 0) list.splice(index, 1)
    }
  }

  // --- positions -------------------------------------------------------------

  getPosition(conversationId: number): number | undefined {
    return this.positions.get(conversationId)
  }

  /** Record that local state reflects `conversationId` up to `pos` (never moves back). */
  setPosition(conversationId: number, pos: number, force = false): void {
    const current = this.positions.get(conversationId)
    if (force || current === undefined || pos > current) {
      this.positions.set(conversationId, pos)
      this.emitPositions()
    }
  }

  forget(conversationId: number): void {
    if (this.positions.delete(conversationId)) this.emitPositions()
  }

  loadPositions(positions: Record<string, number>): void {
    this.positions.clear()
    for (const [key, value] of Object.entries(positions)) this.positions.set(Number(key), value)
    this.emitPositions()
  }

  snapshotPositions(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [key, value] of this.positions) out[String(key)] = value
    return out
  }

  private emitPositions(): void {
    const snapshot = this.snapshotPositions()
    for (const listener of [...this.positionListeners]) listener(snapshot)
  }

  // --- lifecycle -------------------------------------------------------------

  start(): void {
    if (this.started) return
    this.started = true
    this.connect()
  }

  /** Close for good (logout). Pending commands fail with `disconnected`. */
  stop(): void {
    this.started = false
    this.clearTimer('reconnectTimer')
    this.clearTimer('heartbeatTimer')
    this.detachSocket(1000, 'bye')
    this.failPending()
    this.resumeInFlight = false
    this.resumeAgain = false
    this.setState('idle')
  }

  /** The browser says the network is back (or the tab woke up): retry now. */
  nudge(): void {
    if (!this.started) return
    if (this.state === 'connecting' && this.socket === null) {
      this.clearTimer('reconnectTimer')
      this.attempt = 0
      this.connect()
    } else if (this.state === 'open') {
      // A cheap liveness check: a dead link fails the ping and reconnects.
      this.ping()
    }
  }

  /** The browser says we are offline: don't wait for timeouts to notice. */
  dropConnection(): void {
    if (this.socket) this.handleClose(1006)
  }

  private connect(): void {
    if (!this.started) return
    this.setState('connecting')
    let socket: SocketLike
    try {
      socket = this.opts.socketFactory(this.opts.url())
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      if (this.socket !== socket) return
      this.setState('resuming')
    }
    socket.onmessage = (event) => {
      if (this.socket !== socket) return
      this.handleFrame(event.data)
    }
    socket.onclose = (event) => {
      if (this.socket !== socket) return
      this.handleClose(event.code)
    }
    socket.onerror = () => {
      /* onclose follows */
    }
  }

  /** Let go of the current socket: no more events from it, and closed (if it is not already). */
  private detachSocket(code?: number, reason?: string): void {
    const socket = this.socket
    this.socket = null
    if (!socket) return
    socket.onclose = null
    socket.onmessage = null
    socket.onopen = null
    socket.onerror = null
    try {
      if (code === undefined) socket.close()
      else socket.close(code, reason)
    } catch {
      /* already closed */
    }
  }

  private handleClose(code: number): void {
    this.detachSocket()
    this.clearTimer('heartbeatTimer')
    this.failPending()
    this.resumeInFlight = false
    this.resumeAgain = false
    if (!this.started) return
    if (code === CLOSE_UNAUTHENTICATED) {
      this.started = false
      this.setState('unauthorized')
      return
    }
    this.scheduleReconnect()
  }

  /** Delay before the next attempt: 1 s, 2 s, 4 s … capped, with ±20 % jitter. */
  backoffDelay(attempt: number): number {
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** attempt)
    const jitter = 1 + (this.opts.random() * 0.4 - 0.2)
    return Math.round(base * jitter)
  }

  private scheduleReconnect(): void {
    this.setState('connecting')
    const delay = this.backoffDelay(this.attempt)
    this.attempt += 1
    this.clearTimer('reconnectTimer')
    this.reconnectTimer = this.opts.scheduler.setTimeout(() => {
      this.reconnectTimer = null
      this.connect()
    }, delay)
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return
    this.state = state
    for (const listener of [...this.stateListeners]) listener(state)
  }

  private clearTimer(name: 'reconnectTimer' | 'heartbeatTimer'): void {
    if (this[name] !== null) {
      this.opts.scheduler.clearTimeout(this[name])
      this[name] = null
    }
  }

  private failPending(): void {
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const item of pending) {
      this.opts.scheduler.clearTimeout(item.timer)
      item.reject(new ProtocolError('disconnected', '网络已断开'))
    }
  }

  // --- frames ----------------------------------------------------------------

  private handleFrame(raw: unknown): void {
    // The one place a frame from the wire is trusted to be what the server declares.
    let frame: ServerFrame | BareTodoFrame | null
    try {
      frame = JSON.parse(String(raw)) as ServerFrame | BareTodoFrame | null
    } catch {
      return
    }
    if (!frame || typeof frame !== 'object') return
    switch (frame.type) {
      case 'hello':
        this.userId = typeof frame.user_id === 'number' ? frame.user_id : null
        this.resume()
        break
      case 'ack':
      case 'error': {
        const id = String(frame.id)
        const pending = this.pending.get(id)
        if (!pending) return
        this.pending.delete(id)
        this.opts.scheduler.clearTimeout(pending.timer)
        if (frame.type === 'ack') {
          pending.resolve(frame.data ?? {})
        } else {
          pending.reject(
            new ProtocolError(String(frame.code ?? 'error'), String(frame.message ?? '操作失败')),
          )
        }
        break
      }
      case 'event':
        this.handleEvent(frame)
        break
      case 'todo.changed':
        // A bare doorbell frame: deliver it as the event.
        this.emit({ type: 'event', event: 'todo.changed', data: { counts: frame.counts ?? {} } })
        break
      default:
        break
    }
  }

  private handleEvent(event: ServerEvent): void {
    const id = event.conversation_id ?? 0
    const known = asKnownEvent(event)
    if (typeof event.pos === 'number' && POSITIONAL_EVENTS.has(event.event)) {
      const last = this.positions.get(id)
      if (last === undefined) {
        // A conversation we hold no state for: resume makes the server
        // introduce it (`conversation.added`) before anything else.
        this.requestResume()
        return
      }
      if (event.pos <= last) return // already applied — never twice
      if (event.pos !== last + 1) {
        this.requestResume() // a gap: the server refills it from the database
        return
      }
      this.positions.set(id, event.pos)
      const removedMe =
        known?.event === 'member.removed' &&
        this.userId !== null &&
        (known.data.user_ids ?? []).includes(this.userId)
      if (removedMe) this.positions.delete(id)
      this.emitPositions()
      this.emit(event)
      return
    }
    if (known?.event === 'conversation.added') {
      const item = known.data.conversation
      if (item) {
        const known = this.positions.get(id)
        if (known === undefined || item.last_pos > known) this.positions.set(id, item.last_pos)
        this.emitPositions()
      }
    } else if (event.event === 'conversation.removed') {
      this.positions.delete(id)
      this.emitPositions()
    }
    this.emit(event)
  }

  private emit(event: ServerEvent): void {
    for (const listener of [...this.eventListeners]) listener(event)
  }

  // --- commands --------------------------------------------------------------

  get isOpen(): boolean {
    return this.state === 'open'
  }

  /**
   * Send a command and wait for its one reply. Rejects with a ProtocolError:
   * the server's code, or `disconnected` / `timeout` (transient).
   */
  request<C extends Command>(type: C, payload: object = {}): Promise<AckOf[C]> {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN || (this.state !== 'open' && type !== 'resume')) {
      return Promise.reject(new ProtocolError('disconnected', '网络已断开'))
    }
    const id = String(this.nextId++)
    return new Promise<AckOf[C]>((resolve, reject) => {
      const timer = this.opts.scheduler.setTimeout(() => {
        if (!this.pending.delete(id)) return
        reject(new ProtocolError('timeout', '服务器响应超时'))
        // An unanswered command means the link is dead (or hopelessly slow).
        if (this.socket === socket) this.handleClose(4000)
      }, this.opts.requestTimeoutMs)
      // The server answers each command with its own ack (AckOf): trusted as such.
      this.pending.set(id, { resolve: (data) => resolve(data as AckOf[C]), reject, timer })
      try {
        socket.send(JSON.stringify({ type, id, ...payload }))
      } catch {
        this.pending.delete(id)
        this.opts.scheduler.clearTimeout(timer)
        reject(new ProtocolError('disconnected', '网络已断开'))
      }
    })
  }

  private requestResume(): void {
    if (this.resumeInFlight) {
      this.resumeAgain = true
      return
    }
    this.resume()
  }

  private resume(): void {
    const socket = this.socket
    if (!socket) return
    this.resumeInFlight = true
    this.resumeAgain = false
    this.clearTimer('heartbeatTimer')
    if (this.state === 'open') this.setState('resuming')
    const sent = this.snapshotPositions()
    this.request('resume', { positions: sent })
      .then((data) => {
        if (this.socket !== socket) return
        this.resumeInFlight = false
        const server = data.positions ?? {}
        this.reconcile(server)
        this.attempt = 0
        this.setState('open')
        this.scheduleHeartbeat()
        for (const listener of [...this.resumedListeners]) listener(server)
        if (this.resumeAgain) this.requestResume()
      })
      .catch(() => {
        this.resumeInFlight = false
        // The socket is being torn down (or the server refused): reconnect.
        if (this.socket === socket) this.handleClose(4000)
      })
  }

  /**
   * After the replay the positions should equal the server's. Anything still
   * behind was not replayed (too far behind) — the store refetches it; a
   * conversation the server no longer lists is gone.
   */
  private reconcile(server: Record<string, number>): void {
    const serverIds = new Set(Object.keys(server).map(Number))
    for (const [key, pos] of Object.entries(server)) {
      const id = Number(key)
      const local = this.positions.get(id)
      if (local !== pos) {
        this.positions.set(id, pos)
        this.emit({ type: 'event', event: 'resync', conversation_id: id, data: {} })
      }
    }
    for (const id of [...this.positions.keys()]) {
      if (!serverIds.has(id)) {
        this.positions.delete(id)
        this.emit({ type: 'event', event: 'conversation.removed', conversation_id: id, data: {} })
      }
    }
    this.emitPositions()
  }

  private scheduleHeartbeat(): void {
    this.clearTimer('heartbeatTimer')
    this.heartbeatTimer = this.opts.scheduler.setTimeout(() => {
      this.heartbeatTimer = null
      this.ping()
    }, this.opts.heartbeatMs)
  }

  private ping(): void {
    if (this.state !== 'open') return
    this.clearTimer('heartbeatTimer')
    this.request('ping')
      .then(() => this.scheduleHeartbeat())
      .catch(() => {
        /* timeout already tore the socket down */
      })
  }

  // --- typed commands ----------------------------------------------------------

  async send(payload: SendPayload): Promise<Message> {
    const data = await this.request('send', payload)
    return data.message
  }

  async read(conversationId: number, seq: number): Promise<number> {
    const data = await this.request('read', { conversation_id: conversationId, seq })
    return data.last_read_seq ?? seq
  }

  async recall(messageId: number): Promise<Message> {
    const data = await this.request('recall', { message_id: messageId })
    return data.message
  }

  typing(conversationId: number): void {
    this.request('typing', { conversation_id: conversationId }).catch(() => undefined)
  }

  presence(status: 'online' | 'away'): void {
    this.request('presence', { status }).catch(() => undefined)
  }

  async cardAction(
    messageId: number,
    action: string,
    opinion?: string,
    extra: object = {},
  ): Promise<AckOf['card_action']> {
    const payload = { ...extra, message_id: messageId, action }
    return this.request('card_action', opinion === undefined ? payload : { ...payload, opinion })
  }

  // --- calls (docs/calls.md) ---------------------------------------------------------

  /** Bind this socket to a call as a device; `peerId` rejoins as the same peer (within 30 s). */
  callJoin(callId: number, peerId?: string): Promise<AckOf['call_join']> {
    return this.request(
      'call_join',
      peerId ? { call_id: callId, peer_id: peerId } : { call_id: callId },
    )
  }

  async callLeave(callId: number): Promise<void> {
    await this.request('call_leave', { call_id: callId })
  }

  async callSignal(callId: number, to: string, kind: SignalKind, data: object): Promise<void> {
    await this.request('call_signal', { call_id: callId, to, kind, data })
  }

  async callMedia(
    callId: number,
    state: { muted: boolean; camera: boolean; screen: boolean },
  ): Promise<void> {
    await this.request('call_media', { call_id: callId, ...state })
  }
}

/** The socket URL for this origin. */
export function defaultSocketUrl(): string {
  const { protocol, host } = window.location
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/ws/v1/`
}
