/**
 * The mesh path of a call: one RTCPeerConnection per other joined device.
 *
 * Who offers: the device that joined LATER creates the connection and offers
 * to every peer already in the call (`dial`); an existing peer answers the
 * first offer it hears from a new peer (so there is no glare on set-up).
 * Renegotiation (an ICE restart after a network change) follows "perfect
 * negotiation" (W3C webrtc-pc §10.7, MDN): the dialled side is polite (it
 * yields on an offer collision), the dialler impolite.
 *
 * Camera on/off and front/back camera and screen sharing swap or disable
 * tracks with `replaceTrack`, which needs no renegotiation.
 *
 * A plain class with the signalling and the RTCPeerConnection factory
 * injected; the call store (stores/call.ts) owns one while the call runs.
 */
import type { SignalKind } from './types'

export type SendSignal = (to: string, kind: SignalKind, data: object) => Promise<void>

export interface MeshListener {
  /** A remote peer's media arrived (or its stream changed). */
  track(peerId: string, stream: MediaStream): void
  /** The connection to a peer changed state (`new` … `connected` … `failed`). */
  state(peerId: string, state: RTCPeerConnectionState): void
}

export interface MeshOptions {
  iceServers: RTCIceServer[]
  local: MediaStream
  send: SendSignal
  listener: MeshListener
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection
  /** How long `disconnected` may last before an ICE restart (ms). */
  disconnectGraceMs?: number
}

interface Link {
  pc: RTCPeerConnection
  polite: boolean
  makingOffer: boolean
  ignoreOffer: boolean
  /** Candidates that arrived before the remote description. */
  early: RTCIceCandidateInit[]
  stream: MediaStream | null
  disconnectTimer: ReturnType<typeof setTimeout> | null
}

export class MeshCall {
  private readonly links = new Map<string, Link>()
  private closed = false
  private local: MediaStream

  constructor(private readonly opts: MeshOptions) {
    this.local = opts.local
  }

  get peers(): string[] {
    return [...this.links.keys()]
  }

  has(peerId: string): boolean {
    return this.links.has(peerId)
  }

  /** I joined after `peerId`: connect and offer (the offer goes out on `negotiationneeded`). */
  dial(peerId: string): void {
    if (this.closed || this.links.has(peerId)) return
    this.open(peerId, false)
  }

  /** A signalling message from another joined peer of this call. */
  async receive(from: string, kind: SignalKind, data: Record<string, unknown>): Promise<void> {
    if (this.closed) return
    if (kind === 'bye') {
      this.drop(from)
      return
    }
    // A peer I have not heard of opens with its offer: I am the dialled, polite side.
    const link = this.links.get(from) ?? (kind === 'offer' ? this.open(from, true) : null)
    if (!link) return
    const pc = link.pc
    if (kind === 'offer' || kind === 'answer') {
      const description = { type: kind, sdp: String(data.sdp ?? '') } as RTCSessionDescriptionInit
      const collision = kind === 'offer' && (link.makingOffer || pc.signalingState !== 'stable')
      link.ignoreOffer = !link.polite && collision
      if (link.ignoreOffer) return
      await pc.setRemoteDescription(description)
      for (const candidate of link.early.splice(0)) await this.addCandidate(link, candidate)
      if (kind === 'offer') {
        await pc.setLocalDescription()
        const answer = pc.localDescription
        if (answer) await this.send(from, 'answer', { type: answer.type, sdp: answer.sdp })
      }
    } else if (kind === 'ice') {
      const candidate: RTCIceCandidateInit = {
        candidate: typeof data.candidate === 'string' ? data.candidate : '',
        sdpMid: typeof data.sdpMid === 'string' ? data.sdpMid : null,
        sdpMLineIndex: typeof data.sdpMLineIndex === 'number' ? data.sdpMLineIndex : null,
      }
      if (!pc.remoteDescription) link.early.push(candidate)
      else await this.addCandidate(link, candidate)
    }
  }

  /** Swap my outgoing track of one kind on every connection (null: send nothing). */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    await Promise.all(
      [...this.links.values()].map(async (link) => {
        // A transceiver's receiver track always has its kind, even when nothing is sent.
        const sender = link.pc.getTransceivers().find((t) => t.receiver.track.kind === kind)?.sender
        if (sender) await sender.replaceTrack(track)
      }),
    )
  }

  /** Use a new local stream for connections opened from now on. */
  setLocal(stream: MediaStream): void {
    this.local = stream
  }

  /** After a network change: ask every connection that is not healthy for new ICE candidates. */
  restartIce(all = false): void {
    for (const link of this.links.values()) {
      const state = link.pc.connectionState
      if (all || state === 'failed' || state === 'disconnected') link.pc.restartIce()
    }
  }

  /** The peer left (or sent `bye`): close its connection. */
  drop(peerId: string): void {
    const link = this.links.get(peerId)
    if (!link) return
    this.links.delete(peerId)
    if (link.disconnectTimer) clearTimeout(link.disconnectTimer)
    link.pc.onicecandidate = null
    link.pc.ontrack = null
    link.pc.onnegotiationneeded = null
    link.pc.onconnectionstatechange = null
    link.pc.close()
    this.opts.listener.state(peerId, 'closed')
  }

  /** Leave: say `bye` to everyone (best effort) and close every connection. */
  close(sayBye = true): void {
    if (this.closed) return
    for (const peerId of this.peers) {
      if (sayBye) void this.send(peerId, 'bye', {})
      this.drop(peerId)
    }
    this.closed = true
  }

  /** One getStats report per connection. */
  async stats(): Promise<Map<string, RTCStatsReport>> {
    const out = new Map<string, RTCStatsReport>()
    await Promise.all(
      [...this.links.entries()].map(async ([peerId, link]) => {
        try {
          out.set(peerId, await link.pc.getStats())
        } catch {
          /* closed meanwhile */
        }
      }),
    )
    return out
  }

  // --- internals ------------------------------------------------------------------

  private open(peerId: string, polite: boolean): Link {
    const factory =
      this.opts.createPeerConnection ??
      ((config: RTCConfiguration) => new RTCPeerConnection(config))
    const pc = factory({ iceServers: this.opts.iceServers })
    const link: Link = {
      pc,
      polite,
      makingOffer: false,
      ignoreOffer: false,
      early: [],
      stream: null,
      disconnectTimer: null,
    }
    this.links.set(peerId, link)
    for (const track of this.local.getTracks()) pc.addTrack(track, this.local)
    pc.onnegotiationneeded = async () => {
      try {
        link.makingOffer = true
        await pc.setLocalDescription()
        const offer = pc.localDescription
        if (offer && offer.type === 'offer')
          await this.send(peerId, 'offer', { type: offer.type, sdp: offer.sdp })
      } catch {
        /* the next negotiationneeded (or the peer's offer) settles it */
      } finally {
        link.makingOffer = false
      }
    }
    pc.onicecandidate = ({ candidate }) => {
      // `null` is end-of-candidates: nothing to send.
      if (!candidate || !candidate.candidate) return
      void this.send(peerId, 'ice', {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
      })
    }
    pc.ontrack = (event) => {
      const stream = event.streams[0] ?? link.stream ?? new MediaStream()
      if (!event.streams[0] && !stream.getTracks().includes(event.track))
        stream.addTrack(event.track)
      link.stream = stream
      this.opts.listener.track(peerId, stream)
    }
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState
      this.opts.listener.state(peerId, state)
      if (link.disconnectTimer) {
        clearTimeout(link.disconnectTimer)
        link.disconnectTimer = null
      }
      if (state === 'failed') pc.restartIce()
      else if (state === 'disconnected') {
        // Often a blip that heals by itself; if not, new candidates.
        link.disconnectTimer = setTimeout(() => {
          link.disconnectTimer = null
          if (pc.connectionState === 'disconnected') pc.restartIce()
        }, this.opts.disconnectGraceMs ?? 3_000)
      }
    }
    return link
  }

  private async addCandidate(link: Link, candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await link.pc.addIceCandidate(candidate)
    } catch (error) {
      if (!link.ignoreOffer) throw error
    }
  }

  private async send(to: string, kind: SignalKind, data: object): Promise<void> {
    try {
      await this.opts.send(to, kind, data)
    } catch {
      /* the peer left, or the socket is reconnecting: the rejoin or an ICE restart recovers */
    }
  }
}
