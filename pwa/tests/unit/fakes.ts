/** Test doubles: a scriptable socket, a manual clock, and message factories. */
import type { ConversationItem, Message } from '@/api/types'
import { ProtocolClient, type Scheduler, type SocketLike } from '@/realtime/protocol'

export class FakeSocket implements SocketLike {
  readyState = 0
  sent: Record<string, unknown>[] = []
  closedWith: number | null = null
  onopen: ((event: unknown) => void) | null = null
  onclose: ((event: { code: number; reason?: string }) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }

  close(code = 1000): void {
    this.closedWith = code
    this.readyState = 3
  }

  // --- what the server does ---
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  hello(userId = 1): void {
    this.receive({ type: 'hello', user_id: userId, server_time: 0 })
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }

  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code })
  }

  last(type: string): Record<string, unknown> | undefined {
    return [...this.sent].reverse().find((frame) => frame.type === type)
  }

  all(type: string): Record<string, unknown>[] {
    return this.sent.filter((frame) => frame.type === type)
  }

  ack(frame: Record<string, unknown> | undefined, data: Record<string, unknown> = {}): void {
    if (!frame) throw new Error('no frame to ack')
    this.receive({ type: 'ack', id: frame.id, data })
  }
}

export class ManualScheduler implements Scheduler {
  now = 0
  private seq = 0
  timers = new Map<number, { at: number; fn: () => void }>()

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.timers.set(id, { at: this.now + ms, fn })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** Move the clock, firing due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry
      if (!next) break
      this.timers.delete(next[0])
      this.now = next[1].at
      next[1].fn()
    }
    this.now = end
  }

  pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now)
  }
}

export const ME = 1
export const ALICE = 2
export const BOB = 3

let nextId = 1000

export function message(
  overrides: Partial<Message> & { conversation_id: number; seq: number },
): Message {
  const id = overrides.id ?? nextId++
  return {
    id,
    kind: 'text',
    sender: { id: ALICE, name: '李四', avatar: null, is_bot: false },
    text: `消息 ${overrides.seq}`,
    data: {},
    attachment: null,
    card: null,
    reply_to: null,
    mentions: [],
    mention_all: false,
    client_id: '',
    created_at: new Date(2024, 0, 1, 9, overrides.seq % 60).toISOString(),
    recalled: false,
    recalled_by: null,
    recall_until: null,
    urgent: null,
    ...overrides,
  }
}

export function conversation(
  overrides: Partial<ConversationItem> & { id: number },
): ConversationItem {
  return {
    kind: 'group',
    name: `群 ${overrides.id}`,
    peer: null,
    owner_id: ME,
    member_count: 4,
    my_role: 'member',
    can_recall_any: false,
    last_seq: 0,
    last_pos: 0,
    last_read_seq: 0,
    unread_count: 0,
    mention_count: 0,
    muted: false,
    pinned: false,
    dissolved: false,
    last_message: null,
    last_message_at: null,
    ...overrides,
  }
}

/** Let queued promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

export interface FakeClientOptions {
  url?: string
  scheduler?: ManualScheduler
  /** The reconnect jitter's dice (0.5: none). */
  random?: () => number
}

/**
 * A ProtocolClient on fake sockets and a manual clock: every socket it opens
 * lands in `sockets`, `socket()` is the latest, and `connect(positions)`
 * opens it, says hello and acks the resume with the server's `positions`.
 */
export function fakeClient(options: FakeClientOptions = {}) {
  const sockets: FakeSocket[] = []
  const scheduler = options.scheduler ?? new ManualScheduler()
  const client = new ProtocolClient({
    url: () => options.url ?? 'ws://test/ws/v1/',
    socketFactory: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
    scheduler,
    ...(options.random ? { random: options.random } : {}),
  })
  const socket = () => sockets[sockets.length - 1]!
  async function connect(positions: Record<string, number> = {}): Promise<void> {
    socket().open()
    socket().hello(ME)
    socket().ack(socket().last('resume'), { positions })
    await flush()
  }
  return { client, sockets, scheduler, socket, connect }
}
