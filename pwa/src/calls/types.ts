/**
 * The shapes of calls (docs/calls.md; the agreed contract of issue #12).
 *
 * TEMPORARY: written from the contract while the server's schema has no
 * call components yet. Once calls-core's serializers and `Ws…` frames are in
 * /api/schema/, each of these becomes an alias of the generated type
 * (`components['schemas'][…]`) and the compiler shows every difference.
 */
import type { PersonBrief } from '@/api/types'

export type CallMedia = 'audio' | 'video'
export type CallMode = 'mesh' | 'sfu'
export type CallState = 'ringing' | 'ongoing' | 'ended'
export type ParticipantState = 'ringing' | 'joined' | 'left' | 'declined' | 'missed' | 'removed'

export interface CallParticipant {
  user: PersonBrief
  state: ParticipantState
  invited: boolean
  joined_at?: string
  left_at?: string
  muted: boolean
  camera: boolean
  screen: boolean
  /** Present while joined: where other devices address their signalling. */
  peer_id?: string
}

export interface Call {
  id: number
  conversation_id: number
  media: CallMedia
  mode: CallMode
  state: CallState
  host: PersonBrief
  started_at: string
  ended_at?: string
  duration_seconds?: number
  recording: boolean
  mesh_limit: number
  sfu_available: boolean
  participants: CallParticipant[]
}

export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}

export interface Sfu {
  url: string
  room: number
  token: string
  display: string
}

export interface CallJoinAck {
  call: Call
  peer_id: string
  ice_servers: IceServer[]
  sfu?: Sfu
}

export type SignalKind = 'offer' | 'answer' | 'ice' | 'bye'

export interface CallSignalData {
  call_id: number
  from: string
  from_user_id: number
  kind: SignalKind
  data: Record<string, unknown>
}

/** The call events (`call.ringing`, `call.updated`, `call.signal`). */
export type CallEvent =
  | { type: 'event'; event: 'call.ringing'; data: { call: Call } }
  | { type: 'event'; event: 'call.updated'; data: { call: Call } }
  | { type: 'event'; event: 'call.signal'; data: CallSignalData }

const CALL_EVENTS: ReadonlySet<string> = new Set(['call.ringing', 'call.updated', 'call.signal'])

/** The typed call event, or null for any other event (the one place a call frame is trusted). */
export function asCallEvent(frame: { event: string; data: object }): CallEvent | null {
  if (!CALL_EVENTS.has(frame.event)) return null
  return { type: 'event', event: frame.event, data: frame.data } as CallEvent
}
