/**
 * 手写签批: the strokes drawn on the canvas, kept as points so they can be
 * undone and redrawn at any size, and painted onto a canvas for the PNG the
 * server stores. Pressure-free: every stroke has the same width.
 */
export interface Point {
  x: number
  y: number
}

export type Stroke = Point[]

export class StrokeSet {
  private strokes: Stroke[] = []
  private current: Stroke | null = null

  get count(): number {
    return this.strokes.length
  }

  get isEmpty(): boolean {
    return this.strokes.every((stroke) => stroke.length === 0)
  }

  all(): readonly Stroke[] {
    return this.strokes
  }

  begin(point: Point): void {
    this.current = [point]
    this.strokes.push(this.current)
  }

  /** A move while the pointer is down; ignored when no stroke is open. */
  extend(point: Point): boolean {
    if (!this.current) return false
    const last = this.current[this.current.length - 1]
    if (last && last.x === point.x && last.y === point.y) return false
    this.current.push(point)
    return true
  }

  end(): void {
    this.current = null
  }

  undo(): void {
    this.current = null
    this.strokes.pop()
  }

  clear(): void {
    this.current = null
    this.strokes = []
  }

  /** The smallest box around every point, padded; null when nothing is drawn. */
  bounds(pad = 0): { x: number; y: number; width: number; height: number } | null {
    const points = this.strokes.flat()
    if (!points.length) return null
    const xs = points.map((p) => p.x)
    const ys = points.map((p) => p.y)
    const x = Math.min(...xs) - pad
    const y = Math.min(...ys) - pad
    return {
      x,
      y,
      width: Math.max(...xs) + pad - x,
      height: Math.max(...ys) + pad - y,
    }
  }
}

/** Paint strokes with round joins; `offset` shifts them (cropping to the ink). */
export function paintStrokes(
  ctx: CanvasRenderingContext2D,
  strokes: readonly Stroke[],
  { width, color, offset = { x: 0, y: 0 } }: { width: number; color: string; offset?: Point },
): void {
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  ctx.lineWidth = width
  ctx.strokeStyle = color
  ctx.fillStyle = color
  for (const stroke of strokes) {
    const [first, ...rest] = stroke
    if (!first) continue
    if (!rest.length) {
      ctx.beginPath()
      ctx.arc(first.x - offset.x, first.y - offset.y, width / 2, 0, Math.PI * 2)
      ctx.fill()
      continue
    }
    ctx.beginPath()
    ctx.moveTo(first.x - offset.x, first.y - offset.y)
    for (const point of rest) ctx.lineTo(point.x - offset.x, point.y - offset.y)
    ctx.stroke()
  }
}

/** The largest side of the exported PNG (the server accepts ≤ 2400 px a side). */
export const MAX_EXPORT_SIDE = 1200

/** The scale that fits a box of `width` × `height` inside MAX_EXPORT_SIDE. */
export function exportScale(width: number, height: number, max = MAX_EXPORT_SIDE): number {
  const side = Math.max(width, height)
  return side > max ? max / side : 1
}
