/**
 * Calls (docs/calls.md): the call ringing for me, the call I am in (its
 * devices, their media and network quality, who is talking), and the live
 * calls of my conversations (the 通话中 bar of a chat). Events reach it from
 * the event router (`call.ringing`, `call.updated`, `call.signal`); the media
 * run in a MeshCall (calls/mesh.ts) that this store owns while the call lasts.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, reactive, ref, shallowRef } from 'vue'
import { ApiError } from '@/api/http'
import { callApi } from '@/calls/api'
import { MeshCall } from '@/calls/mesh'
import { isLive, joinedPeers, participantOf } from '@/calls/roster'
import {
  activeSpeaker,
  levelBetween,
  lossBetween,
  quality,
  sample,
  TALKING_LEVEL,
  type PeerSample,
  type Quality,
  type StatsEntry,
} from '@/calls/stats'
import type {
  Call,
  CallJoinAck,
  CallMedia,
  CallParticipant,
  CallSignalData,
  IceServer,
  SignalKind,
} from '@/calls/types'
import { startRing } from '@/lib/ring'
import { useConversationsStore } from './chat'

/** What the store needs from the socket (the ProtocolClient implements it). */
export interface CallLink {
  readonly isOpen: boolean
  callJoin(callId: number, peerId?: string): Promise<CallJoinAck>
  callLeave(callId: number): Promise<void>
  callSignal(callId: number, to: string, kind: SignalKind, data: object): Promise<void>
  callMedia(
    callId: number,
    state: { muted: boolean; camera: boolean; screen: boolean },
  ): Promise<void>
}

/** One other device in my call, as the call screen draws it. */
export interface RemotePeer {
  peerId: string
  userId: number
  stream: MediaStream | null
  connection: RTCPeerConnectionState
  level: number
  quality: Quality
}

export type CallPhase = 'idle' | 'joining' | 'in-call'
export type CallLayout = 'grid' | 'speaker'
export type Facing = 'user' | 'environment'

/** The ring of an incoming call lasts as long as the server rings (ZT_CALL_RING_SECONDS). */
const RING_MS = 45_000
const STATS_EVERY_MS = 1_000

function toRtc(servers: IceServer[]): RTCIceServer[] {
  return servers.map((s) => ({
    urls: s.urls,
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.credential !== undefined ? { credential: s.credential } : {}),
  }))
}

export const useCallStore = defineStore('call', () => {
  let link: CallLink | null = null
  let meId: number | null = null
  let mesh: MeshCall | null = null
  let stopRing: (() => void) | null = null
  let statsTimer: ReturnType<typeof setInterval> | null = null
  let cameraTrack: MediaStreamTrack | null = null
  let screenTrack: MediaStreamTrack | null = null
  const samples = new Map<string, PeerSample>()
  /** A rejoin is under way: my peer id may change with its ack (not a takeover). */
  let rejoining = false
  /** Someone else has been in the call with me (a 1:1 call ends when they leave). */
  let hadOthers = false

  /** A call ringing for me (the incoming-call screen). */
  const incoming = ref<Call | null>(null)
  /** The call I am in (or joining). */
  const call = ref<Call | null>(null)
  const phase = ref<CallPhase>('idle')
  /** My device's peer id in `call` (kept for a rejoin after a reconnect). */
  const peerId = ref<string | null>(null)
  const local = shallowRef<MediaStream | null>(null)
  const remotes = reactive(new Map<string, RemotePeer>())
  const muted = ref(false)
  const camera = ref(true)
  const screen = ref(false)
  const facing = ref<Facing>('user')
  const layout = ref<CallLayout>('grid')
  const minimized = ref(false)
  /** The peer shown big in speaker view (null: me, before anyone talks). */
  const speaker = ref<string | null>(null)
  const selfLevel = ref(0)
  /** Why the call could not go on (media denied, the SFU path, …): the screen says it. */
  const notice = ref<string | null>(null)
  /** Live calls of my conversations (the chat's 通话中 bar), by conversation. */
  const live = reactive(new Map<number, Call>())

  const isHost = computed(() => call.value !== null && call.value.host.id === meId)
  const me = computed(() => (call.value ? participantOf(call.value, meId) : undefined))
  const inCall = computed(() => phase.value !== 'idle')

  /** Wi-Fi ↔ mobile data: the old candidates are gone, ask for new ones at once. */
  const networkChanged = () => mesh?.restartIce(true)
  /** The Network Information API (Chromium, Android): not in every browser, nor in lib.dom. */
  const connection: EventTarget | undefined =
    typeof navigator !== 'undefined'
      ? (navigator as Navigator & { connection?: EventTarget }).connection
      : undefined

  function attach(next: CallLink | null, userId: number | null): void {
    link = next
    meId = userId
    connection?.removeEventListener('change', networkChanged)
    if (next) connection?.addEventListener('change', networkChanged)
    if (!next) {
      teardown()
      dismissIncoming()
      live.clear()
    }
  }

  function participant(userId: number): CallParticipant | undefined {
    return call.value ? participantOf(call.value, userId) : undefined
  }

  // --- the calls of my conversations ---------------------------------------------------

  function remember(next: Call): void {
    if (isLive(next)) live.set(next.conversation_id, next)
    else if (live.get(next.conversation_id)?.id === next.id) live.delete(next.conversation_id)
  }

  /** The chat opens: is a call going on in it? */
  async function loadLive(conversationId: number): Promise<void> {
    try {
      remember(await callApi.active(conversationId))
    } catch (error) {
      if (error instanceof ApiError && error.code === 'call_not_found') live.delete(conversationId)
    }
  }

  // --- events -------------------------------------------------------------------------

  function onRinging(next: Call): void {
    remember(next)
    if (call.value?.id === next.id) return
    if (participantOf(next, meId)?.state !== 'ringing' || !isLive(next)) return
    if (incoming.value?.id === next.id) {
      incoming.value = next
      return
    }
    incoming.value = next
    stopRing?.()
    stopRing = startRing(RING_MS)
  }

  function onUpdated(next: Call): void {
    remember(next)
    if (incoming.value?.id === next.id) {
      const mine = participantOf(next, meId)
      if (!isLive(next) || mine?.state !== 'ringing') dismissIncoming()
      else incoming.value = next
    }
    if (call.value?.id !== next.id) return
    call.value = next
    const mine = participantOf(next, meId)
    if (next.state === 'ended') {
      notice.value = null
      teardown()
      return
    }
    const takenOver =
      !rejoining && mine?.state === 'joined' && mine.peer_id && mine.peer_id !== peerId.value
    if (
      phase.value === 'in-call' &&
      (mine?.state === 'removed' || mine?.state === 'left' || takenOver)
    ) {
      // Removed by the host, left, or answered on another device of mine (one device per person).
      notice.value = mine?.state === 'removed' ? 'removed' : null
      teardown()
      return
    }
    if (next.mode === 'sfu') notice.value = 'sfu'
    syncPeers(next)
  }

  async function onSignal(data: CallSignalData): Promise<void> {
    if (!mesh || call.value?.id !== data.call_id) return
    if (data.kind === 'offer' && !remotes.has(data.from)) addRemote(data.from, data.from_user_id)
    try {
      await mesh.receive(data.from, data.kind, data.data)
    } catch {
      /* a bad description from one peer must not break the others */
    }
  }

  /** The socket is back (and caught up): rejoin as the same peer, or learn the call ended. */
  async function onResumed(): Promise<void> {
    const current = call.value
    if (!current || !link || phase.value !== 'in-call' || !peerId.value) return
    rejoining = true
    try {
      const ack = await link.callJoin(current.id, peerId.value)
      const samePeer = ack.peer_id === peerId.value
      peerId.value = ack.peer_id
      call.value = ack.call
      void sendMedia()
      if (samePeer) {
        syncPeers(ack.call)
        mesh?.restartIce()
      } else {
        // Too late (past ZT_CALL_REJOIN_SECONDS): a new peer, so I dial everyone again.
        mesh?.close(false)
        remotes.clear()
        samples.clear()
        if (local.value) mesh = markRaw(newMesh(ack, local.value))
        for (const [peer, p] of joinedPeers(ack.call, ack.peer_id)) {
          addRemote(peer, p.user.id)
          mesh?.dial(peer)
        }
      }
    } catch {
      teardown()
    } finally {
      rejoining = false
    }
  }

  // --- ringing ----------------------------------------------------------------------------

  function dismissIncoming(): void {
    stopRing?.()
    stopRing = null
    incoming.value = null
  }

  async function accept(): Promise<void> {
    const ringing = incoming.value
    dismissIncoming()
    if (ringing) await join(ringing)
  }

  async function decline(): Promise<void> {
    const ringing = incoming.value
    dismissIncoming()
    if (ringing) remember(await callApi.decline(ringing.id))
  }

  // --- joining and leaving ------------------------------------------------------------------

  /** Start a call in a conversation (a group rings `inviteeIds`) and join it. */
  async function start(conversationId: number, media: CallMedia, inviteeIds?: number[]) {
    const created = await callApi.start(conversationId, media, inviteeIds)
    remember(created)
    await join(created)
  }

  async function getMedia(media: CallMedia): Promise<MediaStream> {
    const video = media === 'video' ? { facingMode: facing.value } : false
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video })
    } catch (error) {
      // No camera (or it is refused): join with the microphone only.
      if (video) return navigator.mediaDevices.getUserMedia({ audio: true, video: false })
      throw error
    }
  }

  async function join(target: Call): Promise<void> {
    if (phase.value !== 'idle') {
      if (call.value?.id === target.id) minimized.value = false
      return
    }
    if (!link) throw new Error('offline')
    phase.value = 'joining'
    call.value = target
    minimized.value = false
    notice.value = null
    try {
      const stream = await getMedia(target.media)
      local.value = markRaw(stream)
      cameraTrack = stream.getVideoTracks()[0] ?? null
      camera.value = cameraTrack !== null
      muted.value = false
      screen.value = false
      const ack = await link.callJoin(target.id)
      if (phase.value !== 'joining') {
        // Hung up while joining.
        void link.callLeave(target.id).catch(() => undefined)
        return
      }
      peerId.value = ack.peer_id
      call.value = ack.call
      remember(ack.call)
      phase.value = 'in-call'
      mesh = markRaw(newMesh(ack, stream))
      if (ack.call.mode === 'sfu') notice.value = 'sfu'
      // I am the later joiner: I offer to everyone already in the call.
      for (const [peer, p] of joinedPeers(ack.call, ack.peer_id)) {
        addRemote(peer, p.user.id)
        mesh.dial(peer)
      }
      void sendMedia()
      statsTimer = setInterval(() => void pollStats(), STATS_EVERY_MS)
    } catch (error) {
      teardown()
      throw error
    }
  }

  function newMesh(ack: CallJoinAck, stream: MediaStream): MeshCall {
    const callId = ack.call.id
    return new MeshCall({
      iceServers: toRtc(ack.ice_servers),
      local: stream,
      send: (to, kind, data) =>
        link ? link.callSignal(callId, to, kind, data) : Promise.resolve(),
      listener: {
        track: (peer, remoteStream) => {
          const row = remotes.get(peer)
          if (row) row.stream = markRaw(remoteStream)
        },
        state: (peer, state) => {
          const row = remotes.get(peer)
          if (row) row.connection = state
        },
      },
    })
  }

  /** Leave the call (the call goes on for the others). */
  async function leave(): Promise<void> {
    const current = call.value
    const wasJoined = phase.value === 'in-call'
    teardown()
    if (current && wasJoined && link) await link.callLeave(current.id).catch(() => undefined)
  }

  /** The host ends the call for everyone. */
  async function endForAll(): Promise<void> {
    const current = call.value
    if (!current) return
    const ended = await callApi.end(current.id)
    remember(ended)
    teardown()
  }

  async function removeParticipant(userId: number): Promise<void> {
    if (!call.value) return
    onUpdated(await callApi.remove(call.value.id, userId))
  }

  async function invite(userIds: number[]): Promise<void> {
    if (!call.value) return
    onUpdated(await callApi.invite(call.value.id, userIds))
  }

  async function setRecording(on: boolean): Promise<void> {
    if (!call.value) return
    onUpdated(await callApi.recording(call.value.id, on))
  }

  function teardown(): void {
    if (statsTimer) clearInterval(statsTimer)
    statsTimer = null
    mesh?.close()
    mesh = null
    for (const track of local.value?.getTracks() ?? []) track.stop()
    screenTrack?.stop()
    screenTrack = null
    cameraTrack = null
    local.value = null
    remotes.clear()
    samples.clear()
    call.value = null
    peerId.value = null
    phase.value = 'idle'
    speaker.value = null
    hadOthers = false
    selfLevel.value = 0
    minimized.value = false
    screen.value = false
  }

  // --- the peers ----------------------------------------------------------------------------

  function addRemote(peer: string, userId: number): void {
    if (remotes.has(peer)) return
    remotes.set(peer, {
      peerId: peer,
      userId,
      stream: null,
      connection: 'new',
      level: 0,
      quality: 'unknown',
    })
  }

  /** Drop the devices that left; the new ones will offer to me (they joined later). */
  function syncPeers(next: Call): void {
    const joined = joinedPeers(next, peerId.value)
    for (const peer of [...remotes.keys()]) {
      if (!joined.has(peer)) {
        mesh?.drop(peer)
        remotes.delete(peer)
        samples.delete(peer)
        if (speaker.value === peer) speaker.value = null
      }
    }
    for (const [peer, p] of joined) addRemote(peer, p.user.id)
    if (remotes.size > 0) hadOthers = true
    else if (hadOthers && phase.value === 'in-call' && isDirect(next)) {
      // A 1:1 call is over when the other person hangs up.
      void leave()
    }
  }

  function isDirect(c: Call): boolean {
    return useConversationsStore().byId.get(c.conversation_id)?.kind === 'direct'
  }

  async function pollStats(): Promise<void> {
    if (!mesh) return
    const reports = await mesh.stats()
    const levels = new Map<string, number>()
    for (const [peer, report] of reports) {
      const next = sample(report.values() as Iterable<StatsEntry>)
      const row = remotes.get(peer)
      const previous = samples.get(peer)
      const loss = lossBetween(previous, next)
      const level = levelBetween(previous, next)
      samples.set(peer, next)
      if (!row) continue
      row.level = level
      row.quality = quality(next.rtt, loss)
      levels.set(peer, row.connection === 'connected' ? level : 0)
    }
    speaker.value = activeSpeaker(levels, speaker.value)
    selfLevel.value = await localLevel(reports)
  }

  /** My own microphone level (the `media-source` stats of any connection). */
  async function localLevel(reports: Map<string, RTCStatsReport>): Promise<number> {
    if (muted.value) return 0
    for (const report of reports.values()) {
      for (const entry of report.values() as Iterable<StatsEntry>) {
        if (entry.type === 'media-source' && entry.kind === 'audio') return entry.audioLevel ?? 0
      }
    }
    return 0
  }

  // --- my media ---------------------------------------------------------------------------

  async function sendMedia(): Promise<void> {
    const current = call.value
    if (!current || !link) return
    await link
      .callMedia(current.id, { muted: muted.value, camera: camera.value, screen: screen.value })
      .catch(() => undefined)
  }

  function toggleMute(): void {
    muted.value = !muted.value
    for (const track of local.value?.getAudioTracks() ?? []) track.enabled = !muted.value
    void sendMedia()
  }

  function toggleCamera(): void {
    if (!cameraTrack) return
    camera.value = !camera.value
    cameraTrack.enabled = camera.value
    void sendMedia()
  }

  /** Front ↔ back camera: a new camera track, swapped in without renegotiating. */
  async function flipCamera(): Promise<void> {
    const stream = local.value
    if (!stream || !cameraTrack) return
    const next: Facing = facing.value === 'user' ? 'environment' : 'user'
    const fresh = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { exact: next } },
    })
    const track = fresh.getVideoTracks()[0]
    if (!track) return
    track.enabled = camera.value
    cameraTrack.stop()
    stream.removeTrack(cameraTrack)
    stream.addTrack(track)
    cameraTrack = track
    facing.value = next
    if (!screen.value) await mesh?.replaceTrack('video', track)
    local.value = markRaw(new MediaStream(stream.getTracks()))
    mesh?.setLocal(stream)
  }

  /** Desktop browsers: share the screen in place of the camera (and back). */
  async function toggleScreen(): Promise<void> {
    if (screen.value) {
      screenTrack?.stop()
      screenTrack = null
      screen.value = false
      await mesh?.replaceTrack('video', cameraTrack)
      void sendMedia()
      return
    }
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })
    const track = display.getVideoTracks()[0]
    if (!track) return
    screenTrack = track
    screen.value = true
    // The browser's own "stop sharing" button.
    track.addEventListener('ended', () => {
      if (screenTrack === track) void toggleScreen()
    })
    await mesh?.replaceTrack('video', track)
    void sendMedia()
  }

  /** What the self tile shows: the shared screen while sharing, else the camera. */
  const selfVideo = computed<MediaStream | null>(() => {
    const stream = local.value
    if (!stream) return null
    if (screen.value && screenTrack) return markRaw(new MediaStream([screenTrack]))
    return stream
  })

  function talking(level: number): boolean {
    return level > TALKING_LEVEL
  }

  return {
    isDirect,
    incoming,
    call,
    phase,
    peerId,
    local,
    selfVideo,
    remotes,
    muted,
    camera,
    screen,
    facing,
    layout,
    minimized,
    speaker,
    selfLevel,
    notice,
    live,
    isHost,
    me,
    inCall,
    attach,
    participant,
    loadLive,
    onRinging,
    onUpdated,
    onSignal,
    onResumed,
    accept,
    decline,
    start,
    join,
    leave,
    endForAll,
    removeParticipant,
    invite,
    setRecording,
    toggleMute,
    toggleCamera,
    flipCamera,
    toggleScreen,
    talking,
  }
})
