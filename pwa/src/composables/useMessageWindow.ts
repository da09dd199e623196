/**
 * The rendered window of one conversation's messages. Loaded messages plus
 * my unsent ones become rows; only a window of them is in the DOM, growing
 * upwards as the reader scrolls (older pages load on demand) and trimmed
 * again at the bottom, so a 1,000-message conversation keeps a small DOM.
 * Scrolling is anchored: rows added above keep what the reader sees in
 * place, and a reader at the bottom stays at the bottom.
 */
import { computed, nextTick, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import { showToast } from 'vant'
import { errorMessage } from '@/api/http'
import type { Message } from '@/api/types'
import { needsSeparator, separatorTime } from '@/lib/format'
import { useChatStore, useMessagesStore, useOutboxStore, type OutboxItem } from '@/stores/chat'
import { useSessionStore } from '@/stores/session'
import { emptyThread } from '@/stores/thread'

export type DeliveryStatus = 'sent' | 'queued' | 'sending' | 'failed'

export interface Row {
  key: string
  message: Message
  status: DeliveryStatus
  error: string | null
  mine: boolean
  /** The time line above this row, when the gap since the previous one is long. */
  separator: string | null
}

/** Rows added per step when the window grows upwards. */
export const WINDOW_STEP = 40
/** Far down a long conversation, at most this many rows stay rendered… */
const TRIM_ABOVE = 300
/** …and trimming keeps this many. */
const TRIM_TO = 120
/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK = 80
/** Scrolling this close to the top shows (or loads) older rows. */
const TOP_SLACK = 150

/** A message written here and not yet acknowledged, shown as the server will show it. */
function pendingMessage(item: OutboxItem, me: ReturnType<typeof useSessionStore>['me']): Message {
  return {
    id: 0,
    conversation_id: item.conversation_id,
    seq: 0,
    kind: item.attachment ? item.attachment.kind : 'text',
    sender: me ? { id: me.id, name: me.name, avatar: me.avatar, is_bot: false } : null,
    text: item.text,
    data: {},
    attachment: item.attachment,
    card: null,
    reply_to: item.reply_to,
    mentions: item.mentions,
    mention_all: item.mention_all,
    client_id: item.client_id,
    created_at: item.created_at,
    recalled: false,
    recalled_by: null,
    recall_until: null,
    // Sent as 加急: the badge shows while it is on its way.
    urgent:
      item.urgent && me ? { channels: item.urgent.channels, by: me.id, at: item.created_at } : null,
  }
}

export function useMessageWindow(
  id: number,
  scroller: Ref<HTMLElement | null>,
  content: Ref<HTMLElement | null>,
  onSeenBottom: () => void,
) {
  const chat = useChatStore()
  const messages = useMessagesStore()
  const outbox = useOutboxStore()
  const session = useSessionStore()

  const thread = computed(() => messages.threads.get(id) ?? emptyThread())

  const allRows = computed<Omit<Row, 'separator'>[]>(() => {
    const me = chat.meId
    const rows: Omit<Row, 'separator'>[] = thread.value.messages.map((message) => ({
      key: `m${message.id}`,
      message,
      status: 'sent' as const,
      error: null,
      mine: message.sender?.id === me,
    }))
    for (const item of outbox.forConversation(id)) {
      rows.push({
        key: `c${item.client_id}`,
        message: pendingMessage(item, session.me),
        status: item.status,
        error: item.error,
        mine: true,
      })
    }
    return rows
  })

  /** How many of the oldest loaded rows are not rendered (the window's top edge). */
  const hiddenBefore = ref(0)

  const rows = computed<Row[]>(() => {
    const list = allRows.value
    const start = Math.min(hiddenBefore.value, Math.max(0, list.length - WINDOW_STEP))
    const out: Row[] = []
    for (let i = start; i < list.length; i++) {
      const row = list[i]!
      const prev = list[i - 1]
      const separator = needsSeparator(prev?.message.created_at, row.message.created_at)
        ? separatorTime(row.message.created_at)
        : null
      out.push({ ...row, separator })
    }
    return out
  })

  const canLoadMore = computed(
    () => hiddenBefore.value > 0 || (thread.value.hasMore && thread.value.messages.length > 0),
  )

  const atBottom = ref(true)
  /** Messages that arrived below while the reader was scrolled up. */
  const unseen = ref(0)
  const loadingOlder = ref(false)
  /** The list is taller than the screen (only then is "没有更早的消息了" news). */
  const overflowing = ref(false)
  /** The row a search hit opened the chat at: shown highlighted. */
  const hitSeq = ref<number | null>(null)

  function measure(): void {
    const el = scroller.value
    overflowing.value = Boolean(el && el.scrollHeight > el.clientHeight + 1)
  }

  function scrollToBottom(): void {
    const el = scroller.value
    if (el) el.scrollTop = el.scrollHeight
    unseen.value = 0
    atBottom.value = true
  }

  /** Render the newest step of rows only, and go to the bottom (open, reload). */
  async function showNewest(): Promise<void> {
    hiddenBefore.value = Math.max(0, allRows.value.length - WINDOW_STEP)
    await nextTick()
    scrollToBottom()
  }

  /** Grow the window upwards: older loaded rows first, then an older page. */
  async function showMore(): Promise<void> {
    const el = scroller.value
    if (!el || loadingOlder.value || !canLoadMore.value) return
    loadingOlder.value = true
    const beforeHeight = el.scrollHeight
    const beforeTop = el.scrollTop
    try {
      const rendered = allRows.value.length - Math.min(hiddenBefore.value, allRows.value.length)
      if (hiddenBefore.value > 0) {
        hiddenBefore.value = Math.max(
          0,
          Math.min(hiddenBefore.value, allRows.value.length - rendered) - WINDOW_STEP,
        )
      } else {
        const added = await messages.loadOlder(id)
        // Older rows arrive at the top: keep them hidden except one step.
        hiddenBefore.value = Math.max(0, added - WINDOW_STEP)
      }
      await nextTick()
      // Anchor: what the reader looked at stays where it was.
      el.scrollTop = beforeTop + (el.scrollHeight - beforeHeight)
    } catch (error) {
      showToast(errorMessage(error))
    } finally {
      loadingOlder.value = false
    }
  }

  function onScroll(): void {
    const el = scroller.value
    if (!el) return
    measure()
    atBottom.value = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK
    if (atBottom.value) {
      unseen.value = 0
      onSeenBottom()
      // Far down a long conversation: drop the old rows from the DOM again.
      const total = allRows.value.length
      if (total - hiddenBefore.value > TRIM_ABOVE) hiddenBefore.value = total - TRIM_TO
    }
    if (el.scrollTop < TOP_SLACK) void showMore()
  }

  /**
   * Bring the row of `seq` into the window and into view, and flash it (a
   * quote); a search hit (`hit`) also stays highlighted.
   */
  async function jumpTo(seq: number, hit = false): Promise<void> {
    const index = allRows.value.findIndex((row) => row.message.seq === seq)
    if (index < 0) return
    if (index < hiddenBefore.value) hiddenBefore.value = Math.max(0, index - 5)
    if (hit) hitSeq.value = seq
    await nextTick()
    const el = scroller.value?.querySelector<HTMLElement>(`[data-seq="${seq}"]`)
    if (el) {
      el.scrollIntoView({ block: 'center' })
      // Where that left the reader: a short conversation still shows its end (nothing
      // scrolls, so no scroll event would say so), and what is on screen counts as read.
      const box = scroller.value
      atBottom.value = !box || box.scrollHeight - box.scrollTop - box.clientHeight < BOTTOM_SLACK
      if (atBottom.value) onSeenBottom()
      el.classList.add('zt-flash')
      setTimeout(() => el.classList.remove('zt-flash'), 1200)
    }
  }

  // A new last row: follow it if the reader is at the bottom (or sent it), else count it.
  watch(
    () => {
      const list = allRows.value
      return [list.length, list[list.length - 1]?.key] as const
    },
    async ([length, lastKey], old) => {
      const [oldLength, oldKey] = old ?? [0, undefined]
      if (lastKey === oldKey) return
      const last = allRows.value[allRows.value.length - 1]
      const stick = atBottom.value || last?.mine
      await nextTick()
      if (stick) scrollToBottom()
      else if (length > oldLength) unseen.value += length - oldLength
      onSeenBottom()
    },
  )

  // A resync reloaded the window while we look at it: show the newest.
  watch(
    () => thread.value.loaded,
    (loaded, was) => {
      if (loaded && !was) void showNewest()
    },
  )

  // Rows settle their height after layout (images, content-visibility): while
  // the reader is at the bottom, keep them there.
  let resizeObserver: ResizeObserver | null = null
  onMounted(() => {
    if (typeof ResizeObserver === 'undefined') return
    resizeObserver = new ResizeObserver(() => {
      const el = scroller.value
      measure()
      if (el && atBottom.value) el.scrollTop = el.scrollHeight
    })
    if (content.value) resizeObserver.observe(content.value)
    if (scroller.value) resizeObserver.observe(scroller.value)
  })
  onBeforeUnmount(() => resizeObserver?.disconnect())

  return {
    thread,
    rows,
    canLoadMore,
    atBottom,
    unseen,
    loadingOlder,
    overflowing,
    hitSeq,
    scrollToBottom,
    showNewest,
    onScroll,
    jumpTo,
  }
}
