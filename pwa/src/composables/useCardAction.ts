/**
 * Pressing a button on a chat card, for any card app. The server describes
 * each action (api/types CardAction): this walks the user through what it
 * asks for — a person, the next handlers, a position, a target, an opinion
 * (none / optional / required, labelled by the server), a confirmation —
 * then sends `card_action` and shows the view the server returns on every
 * copy of the card. CardActionPrompts.vue renders the prompts.
 */
import { reactive, ref, shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { showConfirmDialog, showToast } from 'vant'
import { errorMessage } from '@/api/http'
import type { CardAction, Message } from '@/api/types'
import {
  actionPayload,
  emptyInput,
  planServerAction,
  type ActionInput,
  type ActionPlan,
} from '@/lib/serverAction'
import { getClient } from '@/realtime'
import { useMessagesStore } from '@/stores/chat'

/** The prompt on screen. */
export type CardPrompt = 'person' | 'nextAssignees' | 'position' | 'target' | 'opinion'

interface Pending {
  message: Message
  plan: ActionPlan
  input: ActionInput
  asked: Set<CardPrompt | 'confirm'>
}

export function useCardAction() {
  const { t } = useI18n()
  const messages = useMessagesStore()
  /** The message whose card is sending an action (its buttons spin). */
  const busyId = ref<number | null>(null)
  const prompt = ref<CardPrompt | null>(null)
  const pending = shallowRef<Pending | null>(null)
  /** The opinion being written (bound to the prompt's field). */
  const opinion = reactive({ text: '' })

  function start(message: Message, action: CardAction): void {
    const plan = planServerAction(action)
    if (!plan.enabled) {
      if (plan.disabledReason) showToast(plan.disabledReason)
      return
    }
    pending.value = { message, plan, input: emptyInput(plan), asked: new Set() }
    opinion.text = ''
    advance()
  }

  /** Ask for the next thing the action needs, or send it. */
  function advance(): void {
    const p = pending.value
    if (!p) return
    const { plan, input, asked } = p
    const next = ((): CardPrompt | null => {
      if (plan.person && input.userId === null) return 'person'
      if (plan.nextAssignees && input.nextAssignees.length === 0) return 'nextAssignees'
      if (plan.positions.length > 1 && !asked.has('position')) return 'position'
      if (plan.targets.length > 1 && !asked.has('target')) return 'target'
      // Whatever the server says the card's action takes (a card asks for no
      // optional opinion because the server sends none, not by a rule here).
      if (plan.opinion !== 'none' && !asked.has('opinion')) return 'opinion'
      return null
    })()
    if (next) {
      asked.add(next)
      prompt.value = next
      return
    }
    prompt.value = null
    if (plan.confirm && !asked.has('confirm')) {
      asked.add('confirm')
      showConfirmDialog({ message: plan.confirmText }).then(advance, cancel)
      return
    }
    void send(p)
  }

  /**
   * One of `which` prompts closed. Closing after an answer already moved on
   * to the next prompt (pickers emit their answer before they close); closing
   * without one cancels the action.
   */
  function dismiss(...which: CardPrompt[]): void {
    if (prompt.value !== null && which.includes(prompt.value)) cancel()
  }

  function cancel(): void {
    prompt.value = null
    pending.value = null
  }

  function pickPerson(people: { id: number }[]): void {
    const p = pending.value
    const person = people[0]
    if (!p || !person) return cancel()
    p.input.userId = person.id
    advance()
  }

  function pickNextAssignees(people: { id: number }[]): void {
    const p = pending.value
    if (!p || people.length === 0) return cancel()
    p.input.nextAssignees = people.map((person) => person.id)
    advance()
  }

  function choose(which: 'position' | 'target', id: string): void {
    const p = pending.value
    if (!p) return
    p.input[which] = id
    advance()
  }

  /** The opinion prompt's 确定: a required opinion may not be empty. */
  function opinionReady(): boolean {
    return !(pending.value?.plan.opinion === 'required' && !opinion.text.trim())
  }

  /** What an empty required opinion lacks, in the server's words (「请填写驳回理由」 or the label). */
  function opinionMissing(): string {
    const label = pending.value?.plan.opinionLabel
    return label ? t('chat.cardOpinionMissingLabel', { label }) : t('chat.cardOpinionMissing')
  }

  function submitOpinion(): void {
    const p = pending.value
    if (!p) return
    p.input.opinion = opinion.text
    advance()
  }

  async function send(p: Pending): Promise<void> {
    pending.value = null
    const client = getClient()
    if (!client || !client.isOpen) {
      showToast(t('common.networkDown'))
      return
    }
    const { message } = p
    const { action, opinion: text, ...extra } = actionPayload(p.plan, p.input)
    busyId.value = message.id
    try {
      const data = await client.cardAction(message.id, action, text, extra)
      if (data.view && message.card) {
        messages.applyCardView({
          card_type: message.card.card_type,
          object_id: message.card.object_id,
          view: data.view,
        })
      }
    } catch (error) {
      showToast(errorMessage(error))
    } finally {
      busyId.value = null
    }
  }

  return {
    busyId,
    prompt,
    pending,
    opinion,
    start,
    dismiss,
    pickPerson,
    pickNextAssignees,
    choose,
    opinionReady,
    opinionMissing,
    submitOpinion,
  }
}

export type CardActionController = ReturnType<typeof useCardAction>
