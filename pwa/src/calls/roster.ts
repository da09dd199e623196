/** Reading a call's participants: who is joined on which device, and what changed. */
import type { Call, CallParticipant } from './types'

/** Joined devices of a call: peer id → participant (without `exceptPeer`, my own device). */
export function joinedPeers(call: Call, exceptPeer: string | null): Map<string, CallParticipant> {
  const out = new Map<string, CallParticipant>()
  for (const p of call.participants) {
    if (p.state === 'joined' && p.peer_id && p.peer_id !== exceptPeer) out.set(p.peer_id, p)
  }
  return out
}

/** How many people are in the call now. */
export function joinedCount(call: Call): number {
  return call.participants.filter((p) => p.state === 'joined').length
}

/** My participant row (undefined: I was never rung and never joined). */
export function participantOf(call: Call, userId: number | null): CallParticipant | undefined {
  return call.participants.find((p) => p.user.id === userId)
}

/** A call still running (someone may join). */
export function isLive(call: Call): boolean {
  return call.state === 'ringing' || call.state === 'ongoing'
}
