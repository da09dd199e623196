import { describe, expect, it } from 'vitest'
import { defineComponent } from 'vue'
import { appRoutes, cardComponent, todoTabOf, workbenchTiles } from '@/apps'
import { registerApp } from '@/apps/registry'

describe('card apps register themselves', () => {
  it('workbench tiles come from the registrations, in order, with their badge source', () => {
    expect(workbenchTiles().map((tile) => [tile.key, tile.badge])).toEqual([
      ['approvals', { app: 'approvals' }],
      ['todo', 'total'],
    ])
  })

  it('a 待办 item finds its app by key or alias', () => {
    expect(todoTabOf('approvals')?.icon).toBe('todo-list-o')
    expect(todoTabOf('approval')?.app).toBe('approvals')
    expect(todoTabOf('documents')).toBeUndefined()
  })

  it('routes of every app reach the router', () => {
    const names = appRoutes().map((route) => route.name)
    expect(names).toEqual(expect.arrayContaining(['approvals', 'approval', 'todo']))
  })

  it('a new app is one registration; keys and card types are unique', () => {
    const DocumentCard = defineComponent({ name: 'DocumentCard', render: () => null })
    registerApp({
      key: 'documents',
      tiles: [
        {
          key: 'documents',
          route: 'documents',
          icon: 'description',
          label: 'workbench.documents',
          badge: { app: 'documents' },
          order: 20,
        },
      ],
      todoTab: { app: 'documents', icon: 'description', label: 'workbench.documents', order: 20 },
      cards: [{ cardType: 'document', component: DocumentCard }],
    })
    expect(workbenchTiles().map((tile) => tile.key)).toEqual(['approvals', 'documents', 'todo'])
    expect(todoTabOf('documents')?.icon).toBe('description')
    expect(cardComponent('document')).toBe(DocumentCard)
    expect(cardComponent('approval')).toBeUndefined() // drawn by the generic card
    expect(() => registerApp({ key: 'documents' })).toThrow()
    expect(() =>
      registerApp({ key: 'other', cards: [{ cardType: 'document', component: DocumentCard }] }),
    ).toThrow()
  })
})
