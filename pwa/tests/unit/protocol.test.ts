import { beforeEach, describe, expect, it } from 'vitest'
import { ProtocolError, type ServerEvent } from '@/realtime/protocol'
import { fakeClient, flush, message, ME } from './fakes'

function setup(positions: Record<string, number> = { '7': 3 }) {
  const {
    client,
    sockets,
    socket,
    scheduler,
    connect: connectWith,
  } = fakeClient({
    random: () => 0.5, // no jitter
  })
  client.loadPositions(positions)
  const events: ServerEvent[] = []
  const states: string[] = []
  client.onEvent((event) => events.push(event))
  client.onState((state) => states.push(state))
  /** Open, say hello, and ack the resume with `server` positions. */
  const connect = (server: Record<string, number> = positions) => connectWith(server)
  return { client, sockets, socket, scheduler, events, states, connect }
}

function newMessage(pos: number, seq = pos, conversation = 7): ServerEvent {
  return {
    type: 'event',
    event: 'message.new',
    conversation_id: conversation,
    pos,
    data: {},
    message: message({ conversation_id: conversation, seq, id: 500 + seq }),
  }
}

describe('ProtocolClient: connecting and resuming', () => {
  it('sends resume with the stored positions after hello, then is open', async () => {
    const t = setup({ '7': 3, '9': 10 })
    t.client.start()
    expect(t.socket().url).toBe('ws://test/ws/v1/')
    t.socket().open()
    expect(t.client.state).toBe('resuming')
    t.socket().hello(ME)
    const resume = t.socket().last('resume')!
    expect(resume.positions).toEqual({ '7': 3, '9': 10 })
    expect(typeof resume.id).toBe('string')
    t.socket().ack(resume, { positions: { '7': 3, '9': 10 } })
    await flush()
    expect(t.client.state).toBe('open')
    expect(t.client.userId).toBe(ME)
  })

  it('applies replayed events in order before the ack', async () => {
    const t = setup()
    t.client.start()
    t.socket().open()
    t.socket().hello()
    t.socket().receive(newMessage(4))
    t.socket().receive(newMessage(5))
    t.socket().ack(t.socket().last('resume'), { positions: { '7': 5 } })
    await flush()
    expect(t.events.map((e) => e.pos)).toEqual([4, 5])
    expect(t.client.getPosition(7)).toBe(5)
  })

  it('asks the store to refetch what the replay did not cover, and drops lost conversations', async () => {
    const t = setup({ '7': 3, '8': 1 })
    t.client.start()
    await t.connect({ '7': 90, '11': 4 })
    const kinds = t.events.map((e) => `${e.event}:${e.conversation_id}`)
    expect(kinds).toContain('resync:7')
    expect(kinds).toContain('resync:11')
    expect(kinds).toContain('conversation.removed:8')
    expect(t.client.snapshotPositions()).toEqual({ '7': 90, '11': 4 })
  })
})

describe('ProtocolClient: positional events', () => {
  let t: ReturnType<typeof setup>
  beforeEach(async () => {
    t = setup({ '7': 3 })
    t.client.start()
    await t.connect()
  })

  it('delivers pos == last + 1 and drops duplicates', () => {
    t.socket().receive(newMessage(4))
    t.socket().receive(newMessage(4))
    t.socket().receive(newMessage(3))
    t.socket().receive(newMessage(5))
    expect(t.events.map((e) => e.pos)).toEqual([4, 5])
    expect(t.client.getPosition(7)).toBe(5)
  })

  it('on a gap, does not apply the event and re-sends resume from the last position', async () => {
    t.socket().receive(newMessage(6))
    expect(t.events).toHaveLength(0)
    const resumes = t.socket().all('resume')
    expect(resumes).toHaveLength(2)
    expect(resumes[1]!.positions).toEqual({ '7': 3 })
    // The server fills the gap from the database, then acks.
    t.socket().receive(newMessage(4))
    t.socket().receive(newMessage(5))
    t.socket().receive(newMessage(6))
    t.socket().ack(resumes[1], { positions: { '7': 6 } })
    await flush()
    expect(t.events.map((e) => e.pos)).toEqual([4, 5, 6])
    expect(t.events.filter((e) => e.event === 'resync')).toHaveLength(0)
    expect(t.client.state).toBe('open')
  })

  it('sends one resume for a burst of gaps, and another after it if needed', async () => {
    t.socket().receive(newMessage(6))
    t.socket().receive(newMessage(7))
    expect(t.socket().all('resume')).toHaveLength(2)
    t.socket().ack(t.socket().last('resume'), { positions: { '7': 7 } })
    await flush()
    // One more resume because a gap arrived while the first was in flight.
    expect(t.socket().all('resume')).toHaveLength(3)
  })

  it('resumes when a positional event names an unknown conversation', () => {
    t.socket().receive(newMessage(1, 1, 42))
    expect(t.events).toHaveLength(0)
    expect(t.socket().all('resume')).toHaveLength(2)
  })

  it('takes the position of conversation.added and forgets removed ones', () => {
    t.socket().receive({
      type: 'event',
      event: 'conversation.added',
      conversation_id: 12,
      data: { conversation: { id: 12, last_pos: 9 } },
    })
    expect(t.client.getPosition(12)).toBe(9)
    t.socket().receive(newMessage(10, 10, 12))
    expect(t.events.at(-1)?.pos).toBe(10)
    t.socket().receive({
      type: 'event',
      event: 'conversation.removed',
      conversation_id: 12,
      data: {},
    })
    expect(t.client.getPosition(12)).toBeUndefined()
  })

  it('forgets a conversation when I am removed from it', () => {
    t.socket().receive({
      type: 'event',
      event: 'member.removed',
      conversation_id: 7,
      pos: 4,
      data: { user_ids: [ME], by: 9 },
    })
    expect(t.events.at(-1)?.event).toBe('member.removed')
    expect(t.client.getPosition(7)).toBeUndefined()
  })

  it('passes non-positional events straight through', () => {
    t.socket().receive({
      type: 'event',
      event: 'read',
      conversation_id: 7,
      data: { user_id: 2, seq: 3, previous_seq: 1 },
    })
    t.socket().receive({ type: 'event', event: 'typing', conversation_id: 7, data: { user_id: 2 } })
    expect(t.events.map((e) => e.event)).toEqual(['read', 'typing'])
    expect(t.client.getPosition(7)).toBe(3)
  })

  it('reports position changes for persistence', () => {
    const seen: Record<string, number>[] = []
    t.client.onPositions((p) => seen.push(p))
    t.socket().receive(newMessage(4))
    expect(seen.at(-1)).toEqual({ '7': 4 })
  })
})

describe('ProtocolClient: commands', () => {
  it('resolves an ack and rejects an error reply with its code', async () => {
    const t = setup()
    t.client.start()
    await t.connect()
    const sent = t.client.send({ conversation_id: 7, client_id: 'c1', text: '你好' })
    const frame = t.socket().last('send')!
    expect(frame).toMatchObject({ conversation_id: 7, client_id: 'c1', text: '你好' })
    const m = message({ conversation_id: 7, seq: 4 })
    t.socket().ack(frame, { message: m })
    await expect(sent).resolves.toEqual(m)

    const recall = t.client.recall(5)
    t.socket().receive({
      type: 'error',
      id: t.socket().last('recall')!.id,
      code: 'recall_not_allowed',
      message: '超过2分钟，不能撤回',
    })
    await expect(recall).rejects.toMatchObject({
      code: 'recall_not_allowed',
      message: '超过2分钟，不能撤回',
    })
  })

  it('rejects as disconnected when not open, and fails pending commands on close', async () => {
    const t = setup()
    await expect(t.client.read(7, 3)).rejects.toMatchObject({ code: 'disconnected' })
    t.client.start()
    await t.connect()
    const pending = t.client.read(7, 3)
    t.socket().drop()
    const error = await pending.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProtocolError)
    expect((error as ProtocolError).isTransient).toBe(true)
  })
})

describe('ProtocolClient: heartbeat and reconnect', () => {
  it('pings every 25 s and reconnects when a ping goes unanswered', async () => {
    const t = setup()
    t.client.start()
    await t.connect()
    t.scheduler.advance(25_000)
    const ping = t.socket().last('ping')
    expect(ping).toBeDefined()
    t.socket().ack(ping)
    await flush()
    t.scheduler.advance(25_000)
    expect(t.socket().all('ping')).toHaveLength(2)
    // No answer: after the request timeout the socket is given up.
    t.scheduler.advance(15_000)
    await flush()
    expect(t.client.state).toBe('connecting')
    expect(t.sockets[0]!.closedWith).not.toBeNull()
    t.scheduler.advance(1_000)
    expect(t.sockets).toHaveLength(2)
  })

  it('backs off exponentially up to 30 s, and resets after a successful resume', async () => {
    const t = setup()
    t.client.start()
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      t.socket().drop()
      delays.push(...t.scheduler.pendingDelays())
      t.scheduler.advance(delays.at(-1)!)
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
    await t.connect()
    expect(t.client.attempt).toBe(0)
    t.socket().drop()
    expect(t.scheduler.pendingDelays()).toEqual([1000])
  })

  it('resumes from the positions reached before the drop', async () => {
    const t = setup()
    t.client.start()
    await t.connect()
    t.socket().receive(newMessage(4))
    t.socket().drop()
    t.scheduler.advance(1000)
    t.socket().open()
    t.socket().hello()
    expect(t.socket().last('resume')!.positions).toEqual({ '7': 4 })
  })

  it('stops for good on 4401 (session gone)', async () => {
    const t = setup()
    t.client.start()
    t.socket().open()
    t.socket().drop(4401)
    expect(t.client.state).toBe('unauthorized')
    t.scheduler.advance(60_000)
    expect(t.sockets).toHaveLength(1)
  })

  it('reconnects at once when the browser comes back online', () => {
    const t = setup()
    t.client.start()
    t.socket().drop()
    expect(t.sockets).toHaveLength(1)
    t.client.nudge()
    expect(t.sockets).toHaveLength(2)
  })

  it('stop() closes the socket and never reconnects', async () => {
    const t = setup()
    t.client.start()
    await t.connect()
    t.client.stop()
    expect(t.client.state).toBe('idle')
    t.scheduler.advance(60_000)
    expect(t.sockets).toHaveLength(1)
  })
})
