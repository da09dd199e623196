/**
 * The chat state, one store per entity (see chat.ts for the lifecycle they
 * share and realtime/router.ts for the events that feed them).
 */
export { useChatStore, type ChatStore, type RealtimeLink } from './chat'
export { compareConversations, useConversationsStore } from './conversations'
export { useMessagesStore } from './messages'
export { useOutboxStore, type OutboxItem, type OutboxStatus } from './outbox'
export { useReceiptsStore } from './receipts'
export { useTypingStore, type TypingEntry } from './typing'
