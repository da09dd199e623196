/**
 * Pure helpers for one conversation's loaded messages: a contiguous window
 * (the newest messages, extended backwards on demand), kept sorted by seq,
 * never holding the same message twice.
 */
import type { Message } from '@/api/types'

export interface Thread {
  /** Ascending by seq, unique by id. */
  messages: Message[]
  /** The server has older messages than the first one here. */
  hasMore: boolean
  /** The window reaches the newest message (events keep it current). */
  loaded: boolean
  /** Ids the server said are recalled, so a stale page can't un-recall them. */
  recalled: number[]
}

export function emptyThread(): Thread {
  return { messages: [], hasMore: true, loaded: false, recalled: [] }
}

/** Index of the message with `seq`, or -1 (binary search: the list is sorted). */
export function indexOfSeq(messages: Message[], seq: number): number {
  let lo = 0
  let hi = messages.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const value = messages[mid]!.seq
    if (value === seq) return mid
    if (value < seq) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/**
 * Insert or replace `message`. Returns true when the thread changed.
 * A recalled version always wins over a non-recalled one (a page fetched
 * before the recall must not bring the text back).
 */
export function upsertMessage(thread: Thread, incoming: Message): boolean {
  let message = incoming
  if (!message.recalled && thread.recalled.includes(message.id)) {
    message = { ...message, recalled: true, text: '', attachment: null, card: null, reply_to: null }
  }
  const at = indexOfSeq(thread.messages, message.seq)
  if (at >= 0) {
    const current = thread.messages[at]!
    if (current.recalled && !message.recalled) return false
    thread.messages[at] = message
    return true
  }
  // Usually the newest: append; otherwise find the insertion point.
  const list = thread.messages
  if (list.length === 0 || list[list.length - 1]!.seq < message.seq) {
    list.push(message)
    return true
  }
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid]!.seq < message.seq) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, message)
  return true
}

export function markRecalled(thread: Thread, message: Message): void {
  if (!thread.recalled.includes(message.id)) {
    thread.recalled.push(message.id)
    if (thread.recalled.length > 500) thread.recalled.splice(0, thread.recalled.length - 500)
  }
  const at = indexOfSeq(thread.messages, message.seq)
  if (at >= 0) thread.messages[at] = { ...message, recalled: true }
}

/** Older page (before the first loaded seq): prepend, keeping uniqueness. */
export function prependPage(thread: Thread, page: Message[], hasMore: boolean): void {
  for (const message of page) upsertMessage(thread, message)
  thread.hasMore = hasMore
}

/**
 * The newest page from the server. If it overlaps or touches what we hold,
 * merge; otherwise what we hold is not contiguous with it: replace.
 */
export function mergeLatestPage(thread: Thread, page: Message[], hasMore: boolean): void {
  const first = page[0]
  const last = thread.messages[thread.messages.length - 1]
  if (!first || !last || first.seq > last.seq + 1 || !thread.loaded) {
    const pageLast = page[page.length - 1]
    const newer = pageLast ? thread.messages.filter((m) => m.seq > pageLast.seq) : thread.messages
    thread.messages = []
    for (const message of page) upsertMessage(thread, message)
    for (const message of newer) upsertMessage(thread, message)
    thread.hasMore = hasMore
  } else {
    for (const message of page) upsertMessage(thread, message)
  }
  thread.loaded = true
}

/** What we keep on the device per conversation: the newest `limit` messages. */
export function trimForStorage(thread: Thread, limit = 50): Thread {
  const messages = thread.messages.slice(-limit)
  return {
    messages,
    hasMore: thread.hasMore || messages.length < thread.messages.length,
    loaded: thread.loaded,
    recalled: thread.recalled.slice(-100),
  }
}
