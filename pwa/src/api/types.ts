/**
 * Wire shapes of the 政通 REST API and WebSocket protocol, named for the PWA.
 *
 * Every shape is generated from the server's schema (`schema.d.ts`, made by
 * `npm run gen:api` from `openapi.json`, which `make api-schema` writes): the
 * server is the truth, these are only the names the screens use. A serializer
 * that changes changes these types, and the compiler shows every caller.
 */
import type { components, paths } from './schema'

type Schemas = components['schemas']

// --- helpers to read an operation's shapes from `paths` ------------------------------

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : void
type Success<R> = R extends { 200: infer X } ? X : R extends { 201: infer X } ? X : void

/** The JSON body a successful call returns (void for 204). */
export type ResponseOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? JsonOf<Success<R>> : never

type Accepted<R> = R extends { 202: infer X } ? X : never

/** The JSON body of a call's 202 answer (a login that asks for a second factor). */
export type AcceptedOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? JsonOf<Accepted<R>> : never

/** The JSON body a call sends. */
export type RequestOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never

/** The query parameters a call takes. */
export type QueryOf<P extends keyof paths, M extends Method> = NonNullable<
  Operation<P, M> extends { parameters: { query?: infer Q } } ? Q : never
>

// --- people and the directory ------------------------------------------------------------

export type Position = Schemas['PersonPosition']
export type Me = Schemas['Me']
/** A signed-in device of mine (我的 → 登录设备). */
export type Device = Schemas['DeviceOut']
/** 登录提示: the previous login and the wrong passwords since. */
export type LoginBanner = Schemas['LoginBannerOut']
/** A finished login (session), with recovery codes when it also enrolled a second factor. */
export type LoginResult = Schemas['LoginOut']
/** The password was right; a second factor is asked (两步验证). */
export type TwoFactorStep = Schemas['TwoFactorStepOut']
export type TwoFactorMethod = Schemas['TwoFactorMethodEnum']
/** An authenticator key to scan (QR as SVG text) or type in. */
export type TotpSetup = Schemas['TotpSetupOut']
export type SmsSent = Schemas['SmsSentOut']
/** 我的 → 安全 → 两步验证. */
export type TwoFactorStatus = Schemas['StatusOut']
export type Presence = Schemas['PresenceEnum']
export type Person = Schemas['Person']
/** A person as messages and members show them; `is_bot` marks a system sender (审批助手). */
export type PersonBrief = Schemas['UserBriefOut']
/** What a list shows of anyone (Person, PersonBrief and Me all have it): pickers, chips. */
export type PersonFace = Pick<Person, 'id' | 'name' | 'avatar'>
export type Unit = Schemas['UnitNode']
export type Department = Schemas['DepartmentNode']

// --- messages and cards --------------------------------------------------------------------

export type Attachment = Schemas['AttachmentOut']
export type CardField = Schemas['LabelValueOut']
/** Whether an action asks for an opinion, and whether it may be empty. */
export type OpinionNeed = Schemas['OpinionEnum']
/** One choice the server offers for an action (加签 positions, 退回 targets). */
export type ActionChoice = Schemas['ChoiceOut']
/**
 * An action as the server describes it (docs/protocol.md, realtime/cards.py
 * CardAction): what it needs and whether this viewer may press it now. The
 * client renders it as told and defaults nothing.
 */
export type CardAction = Schemas['ActionOut']
export type CardView = Schemas['CardViewOut']
export type Card = Schemas['CardOut']
export type ReplyRef = Schemas['QuoteOut']
export type MessageKind = Schemas['MessageKindEnum']
/** What a system or card message says beyond its text. */
export type MessageData = Schemas['MessageDataOut']
export type Message = Schemas['MessageOut']

// --- conversations -------------------------------------------------------------------------

export type Role = Schemas['MemberRoleEnum']
export type ConversationItem = Schemas['ConversationOut']
/** What `conversation.updated` carries: the fields every member shares. */
export type ConversationBrief = Schemas['WsConversationBrief']
export type Member = Schemas['MemberOut']
export type MessagePage = Schemas['HistoryOut']
export type ReceiptCount = Schemas['ReceiptCountOut']
export type ReceiptLists = Schemas['ReceiptsOut']

// --- errors --------------------------------------------------------------------------------

export type ApiErrorBody = Schemas['Error']
/** A stable English error code from the catalogue (docs/errors.md). */
export type ErrorCode = Schemas['ErrorBody']['code']

// --- notifications and 加急 (docs/notifications.md) ----------------------------------------

/** 我的 → 通知设置 (lock screen, quiet hours, SMS switches); web push is the subscription. */
export type NotificationSettings = Schemas['SettingsOut']
export type LockScreen = Schemas['LockScreenEnum']
/** One row of 我的通知记录: a notification on one channel and what became of it. */
export type Delivery = Schemas['DeliveryOut']
export type DeliveryChannel = Schemas['DeliveryChannelEnum']
export type DeliveryState = Schemas['DeliveryStateEnum']
/** What the browser's `PushSubscription.toJSON()` gives and the server stores. */
export type PushSubscriptionBody = Schemas['SubscribeInRequest']
/** app 应用内+推送 (always) / sms 未读短信 / ring 应用内响铃. */
export type UrgentChannel = Schemas['ChannelsEnum']
/** The 加急 mark on a message (`message.urgent`). */
export type UrgentMark = Schemas['UrgentMarkOut']
/** The sender's view of a 加急: per recipient 已读/未读 and how each was reached. */
export type UrgentStatus = Schemas['UrgentOut']
export type UrgentRecipient = Schemas['UrgentRecipientOut']
export type UrgentDelivery = Schemas['UrgentDeliveryOut']
