/**
 * What the call screen shows from `RTCPeerConnection.getStats()`: who is
 * talking (the inbound audio level), the network quality of each
 * participant (round-trip time and packet loss), and whether media flows
 * (inbound RTP bytes). Pure functions over the stats entries, so they run
 * in unit tests without a browser.
 */

/** A stats entry as the browser gives it (only the fields read here). */
export interface StatsEntry {
  type: string
  kind?: string
  audioLevel?: number
  bytesReceived?: number
  packetsReceived?: number
  packetsLost?: number
  roundTripTime?: number
  currentRoundTripTime?: number
  state?: string
  nominated?: boolean
  fractionLost?: number
  totalAudioEnergy?: number
  totalSamplesDuration?: number
}

export interface PeerSample {
  /** 0…1, the loudest inbound audio level (undefined: no audio stats yet). */
  audioLevel: number
  /** All inbound RTP bytes so far. */
  bytesReceived: number
  packetsReceived: number
  packetsLost: number
  /** Inbound audio energy and duration so far (the level between two samples). */
  audioEnergy: number
  audioSeconds: number
  /** Seconds; from the nominated candidate pair or the remote inbound report. */
  rtt: number | null
}

export type Quality = 'good' | 'fair' | 'poor' | 'unknown'

/** Above this level someone is talking (the WebRTC audio level is 0…1, linear). */
export const TALKING_LEVEL = 0.02

export function sample(entries: Iterable<StatsEntry>): PeerSample {
  const out: PeerSample = {
    audioLevel: 0,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    audioEnergy: 0,
    audioSeconds: 0,
    rtt: null,
  }
  for (const entry of entries) {
    if (entry.type === 'inbound-rtp') {
      out.bytesReceived += entry.bytesReceived ?? 0
      out.packetsReceived += entry.packetsReceived ?? 0
      out.packetsLost += Math.max(0, entry.packetsLost ?? 0)
      if (entry.kind === 'audio') {
        out.audioLevel = Math.max(out.audioLevel, entry.audioLevel ?? 0)
        out.audioEnergy += entry.totalAudioEnergy ?? 0
        out.audioSeconds += entry.totalSamplesDuration ?? 0
      }
    } else if (
      entry.type === 'candidate-pair' &&
      entry.nominated &&
      entry.state === 'succeeded' &&
      typeof entry.currentRoundTripTime === 'number'
    ) {
      out.rtt = entry.currentRoundTripTime
    } else if (
      entry.type === 'remote-inbound-rtp' &&
      out.rtt === null &&
      typeof entry.roundTripTime === 'number'
    ) {
      out.rtt = entry.roundTripTime
    }
  }
  return out
}

/** Packet loss between two samples (0…1), or null when nothing arrived in between. */
export function lossBetween(previous: PeerSample | undefined, next: PeerSample): number | null {
  const received = next.packetsReceived - (previous?.packetsReceived ?? 0)
  const lost = next.packetsLost - (previous?.packetsLost ?? 0)
  if (received + lost <= 0) return null
  return Math.max(0, lost) / (received + Math.max(0, lost))
}

/**
 * The audio level over the time between two samples (RMS, 0…1, from the energy
 * counters, as webrtc-stats recommends): a word between two polls still counts,
 * where the instantaneous `audioLevel` may miss it. Falls back to `audioLevel`.
 */
export function levelBetween(previous: PeerSample | undefined, next: PeerSample): number {
  const seconds = next.audioSeconds - (previous?.audioSeconds ?? 0)
  const energy = next.audioEnergy - (previous?.audioEnergy ?? 0)
  if (previous && seconds > 0 && energy >= 0) return Math.sqrt(energy / seconds)
  return next.audioLevel
}

/** Good: rtt < 300 ms and loss < 2 %; poor: rtt ≥ 800 ms or loss ≥ 10 %; fair between. */
export function quality(rtt: number | null, loss: number | null): Quality {
  if (rtt === null && loss === null) return 'unknown'
  const r = rtt ?? 0
  const l = loss ?? 0
  if (r >= 0.8 || l >= 0.1) return 'poor'
  if (r >= 0.3 || l >= 0.02) return 'fair'
  return 'good'
}

/**
 * The active speaker: the loudest peer above the talking level, else the
 * previous speaker (the big tile does not flicker back in pauses).
 */
export function activeSpeaker(
  levels: ReadonlyMap<string, number>,
  previous: string | null,
): string | null {
  let best: string | null = null
  let bestLevel = TALKING_LEVEL
  for (const [peer, level] of levels) {
    if (level > bestLevel) {
      best = peer
      bestLevel = level
    }
  }
  if (best) return best
  return previous !== null && levels.has(previous) ? previous : null
}

/** mm:ss (h:mm:ss past an hour), for 通话时长 and the in-call timer. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const hh = Math.floor(s / 3600)
  const mm = Math.floor((s % 3600) / 60)
  const ss = s % 60
  const two = (n: number) => String(n).padStart(2, '0')
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${two(mm)}:${two(ss)}`
}
