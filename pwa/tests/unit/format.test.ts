import { describe, expect, it } from 'vitest'
import { fileSize, lastFour, listTime, messagePreview, needsSeparator } from '@/lib/format'
import { message } from './fakes'

describe('format', () => {
  it('previews every kind', () => {
    const base = { conversation_id: 1, seq: 1 }
    expect(messagePreview(message({ ...base, text: '你好\n世界' }))).toBe('你好 世界')
    expect(messagePreview(message({ ...base, kind: 'image' }))).toBe('[图片]')
    const attachment = {
      id: 'a',
      kind: 'file' as const,
      name: '通知.pdf',
      mime: 'application/pdf',
      size: 10,
      width: null,
      height: null,
      url: '/x',
      thumbnail_url: null,
    }
    expect(messagePreview(message({ ...base, kind: 'file', attachment }))).toBe('[文件] 通知.pdf')
    expect(messagePreview(message({ ...base, kind: 'card', card: null }))).toBe('[卡片]')
    expect(messagePreview(message({ ...base, recalled: true }))).toBe('已撤回')
  })

  it('formats times, sizes and phone tails', () => {
    const now = new Date(2024, 4, 10, 15, 0)
    expect(listTime(new Date(2024, 4, 10, 9, 5).toISOString(), now)).toBe('09:05')
    expect(listTime(new Date(2024, 4, 9, 9, 5).toISOString(), now)).toBe('昨天')
    expect(listTime(new Date(2023, 1, 3).toISOString(), now)).toBe('2023/2/3')
    expect(fileSize(1536)).toBe('1.5 KB')
    expect(fileSize(5 * 1024 * 1024)).toBe('5.0 MB')
    expect(lastFour('138-0013-8000')).toBe('8000')
    expect(needsSeparator(undefined, '2024-01-01T00:00:00Z')).toBe(true)
    expect(needsSeparator('2024-01-01T00:00:00Z', '2024-01-01T00:03:00Z')).toBe(false)
    expect(needsSeparator('2024-01-01T00:00:00Z', '2024-01-01T00:06:00Z')).toBe(true)
  })
})
