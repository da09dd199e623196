/**
 * A tree of units or departments as the list a page shows: every node in
 * reading order (a parent before its children), with its depth (0 at the
 * top) for the indent.
 */
export interface TreeRow<T> {
  node: T
  depth: number
}

export function flattenTree<T extends { children?: readonly T[] | null }>(
  nodes: readonly T[],
  depth = 0,
): TreeRow<T>[] {
  return nodes.flatMap((node) => [{ node, depth }, ...flattenTree(node.children ?? [], depth + 1)])
}
