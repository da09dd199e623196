import { describe, expect, it } from 'vitest'
import { defineComponent } from 'vue'
import { appRoutes, cardComponent, todoTabOf, workbenchTiles } from '@/apps'
import { registerApp } from '@/apps/registry'

describe('card apps register themselves', () => {
  it('workbench tiles come from the registrations, in order, with their badge source', () => {
    expect(workbenchTiles().map((tile) => [tile.key, tile.badge])).toEqual([
      ['documents', { app: 'documents' }],
      ['approvals', { app: 'approvals' }],
      ['todo', 'total'],
    ])
  })

  it('a 待办 item finds its app by key or alias', () => {
    expect(todoTabOf('approvals')?.icon).toBe('todo-list-o')
    expect(todoTabOf('approval')?.app).toBe('approvals')
    expect(todoTabOf('documents')?.icon).toBe('description')
    expect(todoTabOf('document')?.app).toBe('documents')
    expect(todoTabOf('supervision')).toBeUndefined()
  })

  it('routes of every app reach the router', () => {
    const names = appRoutes().map((route) => route.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'approvals',
        'approval',
        'todo',
        'documents',
        'document',
        'document-receipt',
        'document-new',
      ]),
    )
  })

  it('公文 draws its card with its own component; 审批 with the generic one', () => {
    expect(cardComponent('document')).toBeDefined()
    expect(cardComponent('approval')).toBeUndefined() // drawn by the generic card
  })

  it('a new app is one registration; keys and card types are unique', () => {
    const SupervisionCard = defineComponent({ name: 'SupervisionCard', render: () => null })
    registerApp({
      key: 'supervision',
      tiles: [
        {
          key: 'supervision',
          route: 'supervision',
          icon: 'flag-o',
          label: 'workbench.approvals',
          badge: { app: 'supervision' },
          order: 20,
        },
      ],
      todoTab: { app: 'supervision', icon: 'flag-o', label: 'workbench.approvals', order: 20 },
      cards: [{ cardType: 'supervision', component: SupervisionCard }],
    })
    expect(workbenchTiles().map((tile) => tile.key)).toEqual([
      'documents',
      'approvals',
      'supervision',
      'todo',
    ])
    expect(todoTabOf('supervision')?.icon).toBe('flag-o')
    expect(cardComponent('supervision')).toBe(SupervisionCard)
    expect(() => registerApp({ key: 'supervision' })).toThrow()
    expect(() => registerApp({ key: 'documents' })).toThrow()
    expect(() =>
      registerApp({ key: 'other', cards: [{ cardType: 'document', component: SupervisionCard }] }),
    ).toThrow()
  })
})
