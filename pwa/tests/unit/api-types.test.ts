/**
 * The socket and REST halves of the generated contract agree where the client
 * stores one as the other: a message from `message.new` and one from
 * `GET …/messages` land in the same window. Checked by the type checker
 * (`npm run typecheck`); the runtime assertions only keep vitest honest.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { components } from '@/api/schema'
import type {
  CardAction,
  CardView,
  ConversationBrief,
  ConversationItem,
  Message,
  PersonBrief,
} from '@/api/types'
import type { Call } from '@/calls/types'
import type { KnownEvent } from '@/realtime/events'

type Schemas = components['schemas']

describe('generated API types', () => {
  it('socket payloads have the REST shapes the stores keep', () => {
    expectTypeOf<Schemas['WsMessage']>().toEqualTypeOf<Message>()
    expectTypeOf<Schemas['WsConversationItem']>().toEqualTypeOf<ConversationItem>()
    expectTypeOf<Schemas['WsCardView']>().toEqualTypeOf<CardView>()
    expectTypeOf<Schemas['WsAction']>().toEqualTypeOf<CardAction>()
    expectTypeOf<Schemas['WsUserBrief']>().toEqualTypeOf<PersonBrief>()
    expectTypeOf<ConversationItem>().toMatchTypeOf<ConversationBrief>()
    // A call from REST (start, active, end…) and from `call.updated` land in the same store.
    expectTypeOf<Schemas['Call']>().toEqualTypeOf<Call>()
    expect(true).toBe(true)
  })

  it('every event names itself', () => {
    expectTypeOf<KnownEvent['type']>().toEqualTypeOf<'event'>()
    expectTypeOf<Extract<KnownEvent, { event: 'typing' }>['data']>().toEqualTypeOf<
      Schemas['WsTypingData']
    >()
    expect(true).toBe(true)
  })
})
