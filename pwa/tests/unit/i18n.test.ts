import { describe, expect, it, vi } from 'vitest'
import { createI18n } from 'vue-i18n'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'

function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

describe('messages', () => {
  it('both locales have the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort())
  })

  it.each(['zh-CN', 'en'] as const)('every %s message compiles and renders', (locale) => {
    const errors = vi.spyOn(console, 'error')
    const warns = vi.spyOn(console, 'warn')
    const i18n = createI18n({ legacy: false, locale, messages: { 'zh-CN': zhCN, en } })
    for (const key of keys(zhCN)) {
      const text = i18n.global.t(key, { n: 3, name: '张三', v: '1.0' })
      expect(text, key).not.toBe(key)
      expect(text, key).not.toMatch(/[{}]/)
    }
    expect(errors).not.toHaveBeenCalled()
    expect(warns).not.toHaveBeenCalled()
  })

  it('the @me marker shows a literal @', () => {
    const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN } })
    expect(i18n.global.t('chats.mentionMe')).toBe('[有人@我]')
  })
})
