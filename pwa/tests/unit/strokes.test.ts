import { describe, expect, it } from 'vitest'
import { StrokeSet, exportScale, paintStrokes } from '@/lib/strokes'

describe('手写签批 strokes', () => {
  it('records strokes point by point, with undo and clear', () => {
    const set = new StrokeSet()
    expect(set.isEmpty).toBe(true)
    set.begin({ x: 1, y: 1 })
    expect(set.extend({ x: 5, y: 5 })).toBe(true)
    expect(set.extend({ x: 5, y: 5 })).toBe(false) // the same point twice adds nothing
    set.end()
    expect(set.extend({ x: 9, y: 9 })).toBe(false) // no stroke open
    set.begin({ x: 20, y: 2 })
    set.extend({ x: 30, y: 12 })
    set.end()
    expect(set.count).toBe(2)
    expect(set.all()[0]).toEqual([
      { x: 1, y: 1 },
      { x: 5, y: 5 },
    ])
    set.undo()
    expect(set.count).toBe(1)
    set.clear()
    expect(set.count).toBe(0)
    expect(set.bounds()).toBeNull()
  })

  it('measures the ink, padded', () => {
    const set = new StrokeSet()
    set.begin({ x: 10, y: 20 })
    set.extend({ x: 50, y: 25 })
    set.begin({ x: 30, y: 60 })
    expect(set.bounds(2)).toEqual({ x: 8, y: 18, width: 44, height: 44 })
  })

  it('fits the exported PNG within the largest side', () => {
    expect(exportScale(600, 300)).toBe(1)
    expect(exportScale(2400, 600)).toBe(0.5)
    expect(exportScale(300, 3000, 1500)).toBe(0.5)
  })

  it('paints lines for strokes and dots for single taps, shifted by the offset', () => {
    const calls: string[] = []
    const ctx = {
      beginPath: () => calls.push('begin'),
      moveTo: (x: number, y: number) => calls.push(`move ${x},${y}`),
      lineTo: (x: number, y: number) => calls.push(`line ${x},${y}`),
      stroke: () => calls.push('stroke'),
      arc: (x: number, y: number, r: number) => calls.push(`arc ${x},${y},${r}`),
      fill: () => calls.push('fill'),
    } as unknown as CanvasRenderingContext2D
    paintStrokes(
      ctx,
      [
        [
          { x: 10, y: 10 },
          { x: 20, y: 15 },
        ],
        [{ x: 40, y: 40 }],
      ],
      { width: 4, color: '#000', offset: { x: 10, y: 10 } },
    )
    expect(calls).toEqual([
      'begin',
      'move 0,0',
      'line 10,5',
      'stroke',
      'begin',
      'arc 30,30,2',
      'fill',
    ])
    expect(ctx.lineWidth).toBe(4)
    expect(ctx.strokeStyle).toBe('#000')
  })
})
