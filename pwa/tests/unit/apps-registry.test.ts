import { describe, expect, it } from 'vitest'
import { defineComponent } from 'vue'
import { appRoutes, cardComponent, todoTabOf, workbenchTiles } from '@/apps'
import { registerApp } from '@/apps/registry'

describe('card apps register themselves', () => {
  it('workbench tiles come from the registrations, in order, with their badge source', () => {
    expect(workbenchTiles().map((tile) => [tile.key, tile.badge])).toEqual([
      ['documents', { app: 'documents' }],
      ['approvals', { app: 'approvals' }],
      ['supervision', { app: 'supervision' }],
      ['todo', 'total'],
    ])
  })

  it('a 待办 item finds its app by key or alias', () => {
    expect(todoTabOf('approvals')?.icon).toBe('todo-list-o')
    expect(todoTabOf('approval')?.app).toBe('approvals')
    expect(todoTabOf('documents')?.icon).toBe('description')
    expect(todoTabOf('document')?.app).toBe('documents')
    expect(todoTabOf('supervision')?.icon).toBe('flag-o')
    expect(todoTabOf('meetings')).toBeUndefined()
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
        'supervision',
        'supervision-task',
        'supervision-new',
        'supervision-split',
        'supervision-board',
      ]),
    )
  })

  it('公文 and 督办 draw their cards with their own components; 审批 with the generic one', () => {
    expect(cardComponent('document')).toBeDefined()
    expect(cardComponent('supervision')).toBeDefined()
    expect(cardComponent('approval')).toBeUndefined() // drawn by the generic card
  })

  it('a new app is one registration; keys and card types are unique', () => {
    const MeetingCard = defineComponent({ name: 'MeetingCard', render: () => null })
    registerApp({
      key: 'meetings',
      tiles: [
        {
          key: 'meetings',
          route: 'meetings',
          icon: 'calendar-o',
          label: 'workbench.approvals',
          badge: { app: 'meetings' },
          order: 20,
        },
      ],
      todoTab: { app: 'meetings', icon: 'calendar-o', label: 'workbench.approvals', order: 20 },
      cards: [{ cardType: 'meeting', component: MeetingCard }],
    })
    expect(workbenchTiles().map((tile) => tile.key)).toEqual([
      'documents',
      'approvals',
      'supervision',
      'meetings',
      'todo',
    ])
    expect(todoTabOf('meetings')?.icon).toBe('calendar-o')
    expect(cardComponent('meeting')).toBe(MeetingCard)
    expect(() => registerApp({ key: 'meetings' })).toThrow()
    expect(() => registerApp({ key: 'supervision' })).toThrow()
    expect(() =>
      registerApp({ key: 'other', cards: [{ cardType: 'supervision', component: MeetingCard }] }),
    ).toThrow()
  })
})
