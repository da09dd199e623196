/** Display helpers: times, sizes, previews. Pure functions, zh-CN first. */
import type { Message } from '@/api/types'

const pad = (n: number) => String(n).padStart(2, '0')

function sameDay(a: Date, b: Date): boolean {
  return (
    a.getFullYear() === b.getFullYear() &&
    a.getMonth() === b.getMonth() &&
    a.getDate() === b.getDate()
  )
}

/** Conversation list: 14:05 / 昨天 / 星期三 / 2024/3/5. */
export function listTime(iso: string | null, now = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  if (sameDay(d, now)) return `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const yesterday = new Date(now)
  yesterday.setDate(now.getDate() - 1)
  if (sameDay(d, yesterday)) return '昨天'
  const diffDays = (now.getTime() - d.getTime()) / 86_400_000
  if (diffDays < 7 && diffDays > 0) return '星期' + '日一二三四五六'.charAt(d.getDay())
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日`
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`
}

/** Time separator inside a chat: 14:05 / 昨天 14:05 / 3月5日 14:05. */
export function separatorTime(iso: string, now = new Date()): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (sameDay(d, now)) return hm
  const yesterday = new Date(now)
  yesterday.setDate(now.getDate() - 1)
  if (sameDay(d, yesterday)) return `昨天 ${hm}`
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${hm}`
}

/** Show a separator when five minutes passed since the previous message. */
export function needsSeparator(prev: string | undefined, current: string): boolean {
  if (!prev) return true
  return new Date(current).getTime() - new Date(prev).getTime() > 5 * 60_000
}

export function fileSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return ''
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`
}

/** The one-line preview of a message (list, quotes, notifications). */
export function messagePreview(message: Message): string {
  if (message.recalled) return '已撤回'
  switch (message.kind) {
    case 'image':
      return '[图片]'
    case 'file':
      return `[文件] ${message.attachment?.name ?? ''}`.trim()
    case 'card':
      return `[卡片] ${message.card?.view?.title ?? String(message.data.title ?? '')}`.trim()
    default:
      return message.text.replace(/\s+/g, ' ')
  }
}

/**
 * A recalled message says who recalled it: 「你撤回了一条消息」 to whoever
 * did, 「张晓明撤回了一条消息」 to the others, and a group admin's recall of
 * someone else's message 「管理员撤回了张晓明的一条消息」.
 */
export function recalledText(message: Message, meId: number | null): string {
  const by = message.recalled_by ?? message.sender?.id ?? null
  const sender = message.sender?.name ?? ''
  if (by !== null && by === meId) return '你撤回了一条消息'
  if (by !== null && message.sender && by !== message.sender.id)
    return `管理员撤回了${sender}的一条消息`
  return `${sender}撤回了一条消息`
}

export function lastFour(mobile: string): string {
  const digits = mobile.replace(/\D/g, '')
  return digits.slice(-4)
}

/** File-type badge text for the file bubble icon. */
export function fileBadge(name: string): string {
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : ''
  if (['doc', 'docx', 'wps'].includes(ext)) return 'W'
  if (['xls', 'xlsx', 'et', 'csv'].includes(ext)) return 'X'
  if (['ppt', 'pptx', 'dps'].includes(ext)) return 'P'
  if (ext === 'pdf') return 'PDF'
  if (['zip', 'rar', '7z', 'gz'].includes(ext)) return 'ZIP'
  if (['ofd'].includes(ext)) return 'OFD'
  return ext ? ext.slice(0, 3).toUpperCase() : '文件'
}
