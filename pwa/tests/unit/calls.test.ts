import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isLive, joinedCount, joinedPeers, participantOf } from '@/calls/roster'
import {
  activeSpeaker,
  formatDuration,
  levelBetween,
  lossBetween,
  quality,
  sample,
  type StatsEntry,
} from '@/calls/stats'
import type { Call, CallParticipant } from '@/calls/types'
import { asKnownEvent } from '@/realtime/events'
import { routeEvent } from '@/realtime/router'
import { useCallStore } from '@/stores/call'
import { ALICE, fakeClient, flush, ME } from './fakes'

const BOB = 3

function person(id: number) {
  return { id, name: `P${id}`, avatar: null, is_bot: false }
}

function participant(id: number, extra: Partial<CallParticipant> = {}): CallParticipant {
  return {
    user: person(id),
    state: 'joined',
    invited: true,
    muted: false,
    camera: true,
    screen: false,
    ...extra,
  }
}

function call(extra: Partial<Call> = {}): Call {
  return {
    id: 41,
    conversation_id: 7,
    media: 'video',
    mode: 'mesh',
    state: 'ringing',
    host: person(ALICE),
    started_at: '2026-12-01T10:00:00Z',
    recording: false,
    mesh_limit: 4,
    sfu_available: false,
    participants: [
      participant(ALICE, { peer_id: 'pa' }),
      participant(ME, { state: 'ringing', invited: true }),
    ],
    ...extra,
  }
}

describe('call stats', () => {
  const entries: StatsEntry[] = [
    {
      type: 'inbound-rtp',
      kind: 'audio',
      bytesReceived: 100,
      packetsReceived: 90,
      packetsLost: 10,
      audioLevel: 0.3,
    },
    { type: 'inbound-rtp', kind: 'video', bytesReceived: 900, packetsReceived: 10, packetsLost: 0 },
    { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.05 },
    { type: 'remote-inbound-rtp', roundTripTime: 0.9 },
  ]

  it('sums inbound bytes, keeps the audio level and prefers the candidate pair’s rtt', () => {
    expect(sample(entries)).toEqual({
      audioLevel: 0.3,
      bytesReceived: 1000,
      packetsReceived: 100,
      packetsLost: 10,
      audioEnergy: 0,
      audioSeconds: 0,
      rtt: 0.05,
    })
  })

  it('falls back to the remote inbound rtt', () => {
    expect(sample([{ type: 'remote-inbound-rtp', roundTripTime: 0.4 }]).rtt).toBe(0.4)
  })

  it('measures loss between two samples, not since the start', () => {
    const first = sample(entries)
    const next = { ...first, packetsReceived: 200, packetsLost: 10 }
    expect(lossBetween(undefined, first)).toBeCloseTo(10 / 110)
    expect(lossBetween(first, next)).toBe(0)
    expect(lossBetween(next, next)).toBeNull()
  })

  it('reads the level between two samples from the energy counters', () => {
    const first = sample([
      { type: 'inbound-rtp', kind: 'audio', totalAudioEnergy: 0.001, totalSamplesDuration: 1 },
    ])
    const next = sample([
      {
        type: 'inbound-rtp',
        kind: 'audio',
        totalAudioEnergy: 0.01,
        totalSamplesDuration: 2,
        audioLevel: 0,
      },
    ])
    expect(levelBetween(first, next)).toBeCloseTo(Math.sqrt(0.009))
    expect(levelBetween(undefined, { ...next, audioLevel: 0.2 })).toBe(0.2)
  })

  it('grades the network', () => {
    expect(quality(null, null)).toBe('unknown')
    expect(quality(0.05, 0)).toBe('good')
    expect(quality(0.35, 0)).toBe('fair')
    expect(quality(0.05, 0.03)).toBe('fair')
    expect(quality(0.9, 0)).toBe('poor')
    expect(quality(0.05, 0.2)).toBe('poor')
  })

  it('picks the loudest talker, and keeps the last one through a pause', () => {
    expect(
      activeSpeaker(
        new Map([
          ['a', 0.1],
          ['b', 0.4],
        ]),
        null,
      ),
    ).toBe('b')
    expect(
      activeSpeaker(
        new Map([
          ['a', 0],
          ['b', 0.001],
        ]),
        'a',
      ),
    ).toBe('a')
    expect(activeSpeaker(new Map([['b', 0]]), 'a')).toBeNull()
  })

  it('formats a duration as mm:ss (h:mm:ss past an hour)', () => {
    expect(formatDuration(0)).toBe('00:00')
    expect(formatDuration(65.7)).toBe('01:05')
    expect(formatDuration(3725)).toBe('1:02:05')
  })
})

describe('call roster', () => {
  it('lists the joined devices except mine', () => {
    const c = call({
      participants: [
        participant(ALICE, { peer_id: 'pa' }),
        participant(ME, { peer_id: 'pm' }),
        participant(BOB, { state: 'left' }),
      ],
    })
    expect([...joinedPeers(c, 'pm').keys()]).toEqual(['pa'])
    expect(joinedCount(c)).toBe(2)
    expect(participantOf(c, BOB)?.state).toBe('left')
    expect(isLive(c)).toBe(true)
    expect(isLive({ ...c, state: 'ended' })).toBe(false)
  })
})

describe('call events', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useCallStore().attach(null, null)
  })

  it('the call frames are known events', () => {
    for (const event of ['call.ringing', 'call.updated', 'call.signal'])
      expect(asKnownEvent({ type: 'event', event, data: {} })?.event).toBe(event)
  })

  it('rings me for a call I am rung for, and stops when someone else ends it', () => {
    const calls = useCallStore()
    calls.attach(
      {
        isOpen: true,
        callJoin: () => Promise.reject(new Error('unused')),
        callLeave: () => Promise.resolve(),
        callSignal: () => Promise.resolve(),
        callMedia: () => Promise.resolve(),
      },
      ME,
    )
    routeEvent({ type: 'event', event: 'call.ringing', conversation_id: 7, data: { call: call() } })
    expect(calls.incoming?.id).toBe(41)
    expect(calls.live.get(7)?.id).toBe(41)

    routeEvent({
      type: 'event',
      event: 'call.updated',
      conversation_id: 7,
      data: { call: call({ state: 'ended', ended_at: '2026-12-01T10:00:20Z' }) },
    })
    expect(calls.incoming).toBeNull()
    expect(calls.live.has(7)).toBe(false)
  })

  it('does not ring for a call I am not rung for (a member may still join it from the chat)', () => {
    const calls = useCallStore()
    calls.attach(null, BOB)
    calls.attach(
      {
        isOpen: true,
        callJoin: () => Promise.reject(new Error('unused')),
        callLeave: () => Promise.resolve(),
        callSignal: () => Promise.resolve(),
        callMedia: () => Promise.resolve(),
      },
      BOB,
    )
    routeEvent({
      type: 'event',
      event: 'call.updated',
      conversation_id: 7,
      data: { call: call({ state: 'ongoing' }) },
    })
    expect(calls.incoming).toBeNull()
    expect(calls.live.get(7)?.state).toBe('ongoing')
  })

  it('stops ringing once I answered on another device', () => {
    const calls = useCallStore()
    calls.attach(
      {
        isOpen: true,
        callJoin: () => Promise.reject(new Error('unused')),
        callLeave: () => Promise.resolve(),
        callSignal: () => Promise.resolve(),
        callMedia: () => Promise.resolve(),
      },
      ME,
    )
    routeEvent({ type: 'event', event: 'call.ringing', conversation_id: 7, data: { call: call() } })
    const answered = call({
      state: 'ongoing',
      participants: [participant(ALICE, { peer_id: 'pa' }), participant(ME, { peer_id: 'pm2' })],
    })
    routeEvent({
      type: 'event',
      event: 'call.updated',
      conversation_id: 7,
      data: { call: answered },
    })
    expect(calls.incoming).toBeNull()
  })
})

describe('joining a call over the socket', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    // The browser's media devices (happy-dom has none): a stream without tracks.
    const stream = { getTracks: () => [], getVideoTracks: () => [], getAudioTracks: () => [] }
    vi.stubGlobal('navigator', {
      ...navigator,
      mediaDevices: { getUserMedia: vi.fn().mockResolvedValue(stream) },
    })
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('joins, tells its media state, and rejoins as the same peer after a reconnect', async () => {
    const { client, socket, scheduler, connect } = fakeClient({ random: () => 0.5 })
    const calls = useCallStore()
    calls.attach(client, ME)
    client.onResumed(() => void calls.onResumed())
    client.start()
    await connect()

    const ongoing = call({
      state: 'ongoing',
      participants: [participant(ALICE), participant(ME, { state: 'ringing' })],
    })
    const joining = calls.join(ongoing)
    await flush()
    const join = socket().last('call_join')
    expect(join).toMatchObject({ call_id: 41 })
    expect(join).not.toHaveProperty('peer_id')
    const joined = call({
      state: 'ongoing',
      participants: [participant(ALICE), participant(ME, { peer_id: 'p-me' })],
    })
    socket().ack(join, { call: joined, peer_id: 'p-me', ice_servers: [] })
    await joining
    expect(calls.phase).toBe('in-call')
    expect(calls.peerId).toBe('p-me')
    expect(socket().last('call_media')).toMatchObject({
      call_id: 41,
      muted: false,
      camera: false,
      screen: false,
    })

    // The link drops and comes back: the same peer rejoins.
    socket().drop()
    scheduler.advance(2_000)
    await connect()
    const rejoin = socket().last('call_join')
    expect(rejoin).toMatchObject({ call_id: 41, peer_id: 'p-me' })
    socket().ack(rejoin, { call: joined, peer_id: 'p-me', ice_servers: [] })
    await flush()
    expect(calls.phase).toBe('in-call')

    // The host ends the call: the screen closes.
    calls.onUpdated({ ...joined, state: 'ended', ended_at: '2026-12-01T10:05:00Z' })
    expect(calls.phase).toBe('idle')
    expect(calls.call).toBeNull()
  })
})
