/** What the recursive flow-node editor shares with the template editor (provide/inject). */
import type { ComputedRef, InjectionKey } from 'vue'
import type { ApproverNode, CcNode, ConditionNode, FlowNode } from '@/api/approvalTypes'
import type { ConditionField } from '@/lib/templateEditor'

export interface FlowEditor {
  /** Form fields a condition may test. */
  fields: ComputedRef<ConditionField[]>
  /** Names of people picked for `users` assignees, by id. */
  names: Map<number, string>
  /** Server / client problems by node id. */
  problems: ComputedRef<Record<string, string>>
  set(target: object, key: string, value: unknown): void
  add(list: FlowNode[], type: FlowNode['type']): void
  remove(list: FlowNode[], index: number): void
  move(list: FlowNode[], index: number, delta: number): void
  addBranch(node: ConditionNode): void
  removeBranch(node: ConditionNode, index: number): void
  pickUsers(node: ApproverNode | CcNode): void
}

export const FLOW_EDITOR: InjectionKey<FlowEditor> = Symbol('flow-editor')
