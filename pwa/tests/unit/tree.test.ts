import { describe, expect, it } from 'vitest'
import { flattenTree } from '@/lib/tree'

interface Node {
  name: string
  children?: Node[]
}

describe('flattenTree', () => {
  it('lists a parent before its children, each with its depth', () => {
    const tree: Node[] = [
      {
        name: '市府办',
        children: [{ name: '综合科', children: [{ name: '文秘组' }] }, { name: '督查科' }],
      },
      { name: '发改委', children: [] },
    ]
    expect(flattenTree(tree).map((row) => [row.node.name, row.depth])).toEqual([
      ['市府办', 0],
      ['综合科', 1],
      ['文秘组', 2],
      ['督查科', 1],
      ['发改委', 0],
    ])
  })

  it('gives nothing for no nodes, and keeps the nodes themselves', () => {
    expect(flattenTree<Node>([])).toEqual([])
    const leaf: Node = { name: '文秘组' }
    expect(flattenTree([leaf])[0]!.node).toBe(leaf)
  })
})
