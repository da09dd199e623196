/**
 * The protocol client and the chat store together against a tiny fake
 * server that keeps an event log: after drops, duplicates and gaps the
 * screen state must equal the server's — nothing missing, nothing twice.
 */
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Message } from '@/api/types'
import { ProtocolClient, type ServerEvent } from '@/realtime/protocol'
import { routeEvent } from '@/realtime/router'
import {
  useChatStore,
  useConversationsStore,
  useMessagesStore,
  useOutboxStore,
} from '@/stores/chat'
import {
  ALICE,
  conversation,
  fakeClient,
  FakeSocket,
  flush,
  ManualScheduler,
  ME,
  message,
} from './fakes'

vi.mock('@/api/endpoints', () => ({
  conversationApi: {
    receiptCounts: vi.fn().mockResolvedValue({ counts: {} }),
    read: vi.fn(),
    messages: vi.fn(),
    get: vi.fn(),
    list: vi.fn(),
  },
  messageApi: {},
}))

/** One conversation's durable event log, as the server keeps it. */
class FakeServer {
  log: ServerEvent[] = []
  messages: Message[] = []
  socket: FakeSocket | null = null

  post(text: string, clientId = '', sender = ALICE): ServerEvent {
    const seq = this.messages.length + 1
    const m = message({
      conversation_id: 7,
      seq,
      id: 900 + seq,
      text,
      client_id: clientId,
      sender: { id: sender, name: sender === ME ? '我' : '李四', avatar: null, is_bot: false },
    })
    this.messages.push(m)
    return this.append({ event: 'message.new', message: m })
  }

  recall(seq: number): void {
    const m = this.messages[seq - 1]!
    const recalled = { ...m, recalled: true, text: '' }
    this.messages[seq - 1] = recalled
    this.append({ event: 'message.recalled', message: recalled })
  }

  private append(partial: Pick<ServerEvent, 'event' | 'message'>): ServerEvent {
    const event: ServerEvent = {
      type: 'event',
      conversation_id: 7,
      pos: this.log.length + 1,
      data: {},
      ...partial,
    }
    this.log.push(event)
    return event
  }

  /** Live delivery (if connected). */
  deliver(event: ServerEvent): void {
    if (this.socket && this.socket.readyState === 1) this.socket.receive(event)
  }

  /** Answer a resume frame: replay everything after the client's position. */
  answerResume(socket: FakeSocket): void {
    const frame = socket.last('resume')!
    const from = (frame.positions as Record<string, number>)['7'] ?? 0
    for (const event of this.log.slice(from)) socket.receive(event)
    socket.ack(frame, { positions: { '7': this.log.length } })
  }

  /** Messages as a fresh REST fetch would show them. */
  truth(): { seq: number; text: string; recalled: boolean }[] {
    return this.messages.map((m) => ({ seq: m.seq, text: m.text, recalled: m.recalled }))
  }
}

/** What the open chat shows (the messages store of the active pinia). */
function screen() {
  return useMessagesStore()
    .thread(7)
    .messages.map((m) => ({ seq: m.seq, text: m.text, recalled: m.recalled }))
}

describe('convergence after reconnects', () => {
  let server: FakeServer
  let scheduler: ManualScheduler
  let client: ProtocolClient
  let chat: ReturnType<typeof useChatStore>
  let sockets: FakeSocket[]

  async function connect(): Promise<FakeSocket> {
    const socket = sockets.at(-1)!
    server.socket = socket
    socket.open()
    socket.hello(ME)
    server.answerResume(socket)
    await flush()
    return socket
  }

  beforeEach(async () => {
    localStorage.clear()
    setActivePinia(createPinia())
    server = new FakeServer()
    scheduler = new ManualScheduler()
    ;({ client, sockets } = fakeClient({ url: 'ws://x/ws/v1/', scheduler, random: () => 0.5 }))
    chat = useChatStore()
    chat.attach(client)
    client.onEvent(routeEvent)
    client.onResumed(() => chat.onResumed())
    chat.hydrate(ME)
    useConversationsStore().listLoaded = true
    // Start from an empty, loaded conversation at position 0.
    useConversationsStore().upsert(conversation({ id: 7, last_pos: 0, member_count: 2 }))
    useMessagesStore().thread(7).loaded = true
    useMessagesStore().thread(7).hasMore = false
    client.start()
    await connect()
  })

  it('live events, a drop, missed messages and a recall: exactly the server state', async () => {
    server.deliver(server.post('一'))
    server.deliver(server.post('二'))
    expect(screen()).toEqual(server.truth())

    sockets.at(-1)!.drop()
    server.post('三') // missed while offline
    server.recall(1) // missed too
    server.post('四')
    scheduler.advance(1000)
    const socket = await connect()
    expect(client.state).toBe('open')
    expect(screen()).toEqual(server.truth())

    // A live event that the server's doorbell delivers twice: applied once.
    const five = server.post('五')
    server.deliver(server.log.at(-1)!)
    socket.receive(server.log.at(-1)!)
    expect(screen()).toEqual(server.truth())
    expect(
      useMessagesStore()
        .thread(7)
        .messages.filter((m) => m.id === five.message!.id),
    ).toHaveLength(1)
    expect(useConversationsStore().byId.get(7)!.last_message?.text).toBe('五')
  })

  it('a lost event (gap) triggers resume and is filled in order', async () => {
    server.deliver(server.post('一'))
    server.post('二') // the doorbell drops this one
    const socket = sockets.at(-1)!
    server.deliver(server.post('三'))
    // The client noticed the gap and asked to resume from 1.
    const resume = socket.last('resume')!
    expect(resume.positions).toEqual({ '7': 1 })
    server.answerResume(socket)
    await flush()
    expect(screen()).toEqual(server.truth())
  })

  it('messages written offline are sent once on reconnect, and not duplicated by the echo', async () => {
    sockets.at(-1)!.drop()
    useOutboxStore().enqueue({ conversationId: 7, text: '离线写的' })
    expect(useOutboxStore().items).toHaveLength(1)
    scheduler.advance(1000)
    const socket = await connect()
    // The client flushed the outbox after resuming.
    const send = socket.last('send')!
    expect(send.text).toBe('离线写的')
    const m = server.post('离线写的', String(send.client_id), ME).message!
    socket.ack(send, { message: m })
    server.deliver(server.log.at(-1)!) // the echo to my own socket
    await flush()
    expect(useOutboxStore().items).toHaveLength(0)
    expect(screen()).toEqual(server.truth())
    expect(useMessagesStore().thread(7).messages).toHaveLength(1)
  })

  it('positions persist: a reload resumes where the state left off', async () => {
    server.deliver(server.post('一'))
    server.deliver(server.post('二'))
    chat.persistNow()
    client.stop()
    server.post('三')

    // "Reload": a new store and client from what was saved.
    setActivePinia(createPinia())
    const chat2 = useChatStore()
    const { client: client2, sockets: sockets2 } = fakeClient({ url: 'ws://x/ws/v1/', scheduler })
    chat2.attach(client2)
    client2.onEvent(routeEvent)
    expect(chat2.hydrate(ME)).toBe(true)
    expect(client2.getPosition(7)).toBe(2)
    client2.start()
    const socket = sockets2[0]!
    server.socket = socket
    socket.open()
    socket.hello(ME)
    expect(socket.last('resume')!.positions).toEqual({ '7': 2 })
    server.answerResume(socket)
    await flush()
    expect(screen()).toEqual(server.truth())
  })
})
