/**
 * The "电话式响铃" of a 加急 with `ring`: a short two-tone ring made with Web
 * Audio (no sound file to ship), repeated for a while, plus vibration where the
 * device has it. Browsers allow sound only after the person interacted with the
 * page; when they do not, it stays silent and the alert on screen remains.
 */
const RING_FOR_MS = 15_000
const EVERY_MS = 2_000

type AudioContextClass = typeof AudioContext

/** Ring for `forMs` (a 加急: 15 s; an incoming call: as long as the server rings it). */
export function startRing(forMs: number = RING_FOR_MS): () => void {
  const Ctx: AudioContextClass | undefined =
    typeof window !== 'undefined'
      ? (window.AudioContext ??
        (window as unknown as { webkitAudioContext?: AudioContextClass }).webkitAudioContext)
      : undefined
  let context: AudioContext | null = null
  try {
    context = Ctx ? new Ctx() : null
  } catch {
    context = null
  }
  const ring = () => {
    if (typeof navigator !== 'undefined' && 'vibrate' in navigator)
      navigator.vibrate([300, 150, 300])
    if (!context) return
    void context.resume().catch(() => undefined)
    const start = context.currentTime
    for (const [offset, freq] of [
      [0, 880],
      [0.25, 660],
      [0.6, 880],
      [0.85, 660],
    ] as const) {
      const osc = context.createOscillator()
      const gain = context.createGain()
      osc.frequency.value = freq
      gain.gain.setValueAtTime(0.15, start + offset)
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.22)
      osc.connect(gain).connect(context.destination)
      osc.start(start + offset)
      osc.stop(start + offset + 0.23)
    }
  }
  ring()
  const timer = setInterval(ring, EVERY_MS)
  const stopAt = setTimeout(stop, forMs)
  function stop(): void {
    clearInterval(timer)
    clearTimeout(stopAt)
    void context?.close().catch(() => undefined)
    context = null
  }
  return stop
}
