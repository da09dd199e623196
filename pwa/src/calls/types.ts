/**
 * The shapes of calls (docs/calls.md), named for the PWA: each is generated
 * from the server's frame models (realtime/event_types.py, the `WsCall…`
 * components of the schema). The REST `Call` has the same fields.
 */
import type { components } from '@/api/schema'

type Schemas = components['schemas']

export type Call = Schemas['WsCall']
export type CallParticipant = Schemas['WsCallParticipant']
export type IceServer = Schemas['WsIceServer']
export type Sfu = Schemas['WsSfu']
export type CallJoinAck = Schemas['WsCallJoinAck']
export type CallSignalData = Schemas['WsCallSignalData']

export type CallMedia = Call['media']
export type CallMode = Call['mode']
export type CallState = Call['state']
export type ParticipantState = CallParticipant['state']
export type SignalKind = CallSignalData['kind']
