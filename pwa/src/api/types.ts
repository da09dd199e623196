/** Wire shapes of the 政通 REST API and WebSocket protocol (see docs/protocol.md). */

export interface Position {
  unit_id?: number
  unit_name: string
  department_id?: number
  department_name: string
  title: string
  is_leader: boolean
}

export interface Me {
  id: number
  name: string
  mobile: string
  avatar: string | null
  employee_no: string
  positions: Position[]
  /** Office roles per unit (`unit_admin` may edit approval templates). */
  roles?: { unit_id: number; role: string }[]
}

export type Presence = 'online' | 'away' | 'offline'

export interface Person {
  id: number
  name: string
  mobile: string
  avatar: string | null
  presence: Presence
  positions: Position[]
}

export interface PersonBrief {
  id: number
  name: string
  avatar: string | null
  /** A system sender such as 审批助手: it sends cards and takes no replies. */
  is_bot?: boolean
}

export interface Unit {
  id: number
  name: string
  short_name: string
  level: string | number
  kind: string
  parent_id: number | null
  children: Unit[]
}

export interface Department {
  id: number
  name: string
  parent_id: number | null
  member_count: number
  children: Department[]
}

export interface Attachment {
  id: string
  kind: 'image' | 'file'
  name: string
  mime: string
  size: number
  width: number | null
  height: number | null
  url: string
  thumbnail_url: string | null
}

export interface CardField {
  label: string
  value: string
}

/** Whether an action asks for an opinion, and whether it may be empty. */
export type OpinionNeed = 'none' | 'optional' | 'required'

/** One choice the server offers for an action (加签 positions, 退回 targets). */
export interface ActionChoice {
  id: string
  name: string
}

/**
 * An action as the server describes it (docs/protocol.md, realtime/cards.py
 * CardAction): what it needs and whether this viewer may press it now. The
 * client renders it as told and defaults nothing.
 */
export interface CardAction {
  /** Sent back as is. */
  action: string
  label: string
  style: 'primary' | 'danger' | 'warning' | 'default'
  /** May this viewer press it now (else `disabled_reason` says why). */
  enabled: boolean
  disabled_reason: string
  opinion: OpinionNeed
  /** The opinion field's label ("" when `opinion` is "none"). */
  opinion_label: string
  /** Kept for old clients: `opinion == "required"`. */
  needs_opinion: boolean
  /** Pick a person first; the command carries `user_id` (转办, 加签). */
  needs_person: boolean
  /** Pick the next step's handlers (`next_assignees`). */
  needs_next_assignees: boolean
  /** 自由流: the handler may pass the step on. */
  may_pass_on: boolean
  /** 加签: before/after (`position`); else []. */
  positions: ActionChoice[]
  /** 退回: where to (`target`); else []. */
  targets: ActionChoice[]
  /** A question to confirm before sending ("" for none). */
  confirm: string
  /** The task it acts on (sent back as `task_id`). */
  task_id: number | null
}

export interface CardView {
  title: string
  status: string
  status_label: string
  fields: CardField[]
  actions: CardAction[]
  link?: string | null
}

export interface Card {
  card_type: string
  object_id: string
  view: CardView | null
}

export interface ReplyRef {
  id: number
  seq: number
  sender_name: string
  excerpt: string
}

export type MessageKind = 'text' | 'image' | 'file' | 'system' | 'card'

export interface Message {
  id: number
  conversation_id: number
  seq: number
  kind: MessageKind
  sender: PersonBrief | null
  text: string
  data: Record<string, unknown>
  attachment: Attachment | null
  card: Card | null
  reply_to: ReplyRef | null
  mentions: number[]
  mention_all: boolean
  client_id: string
  created_at: string
  recalled: boolean
  recalled_by: number | null
  /** Until when its sender may recall it (ISO time); null when nobody may recall it so. */
  recall_until: string | null
}

export type Role = 'owner' | 'admin' | 'member'

export interface ConversationItem {
  id: number
  kind: 'direct' | 'group'
  name: string
  peer: PersonBrief | null
  owner_id: number | null
  member_count: number
  my_role: Role
  /** I may recall anyone's message here (group owner/admin). */
  can_recall_any: boolean
  last_seq: number
  last_pos: number
  last_read_seq?: number
  unread_count: number
  mention_count: number
  muted: boolean
  pinned: boolean
  dissolved: boolean
  last_message: Message | null
  last_message_at: string | null
}

/** What `conversation.updated` carries: the fields every member shares. */
export type ConversationBrief = Pick<
  ConversationItem,
  'id' | 'kind' | 'name' | 'owner_id' | 'member_count' | 'last_seq' | 'last_pos' | 'dissolved'
>

export interface Member {
  user: PersonBrief
  role: Role
  last_read_seq: number
}

export interface MessagePage {
  messages: Message[]
  has_more: boolean
}

export interface ReceiptCount {
  read: number
  unread: number
}

export interface ReceiptLists {
  read: PersonBrief[]
  unread: PersonBrief[]
}

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: Record<string, unknown> }
}
