import { createI18n } from 'vue-i18n'
import { Locale } from 'vant'
import enUS from 'vant/es/locale/lang/en-US'
import zhCNVant from 'vant/es/locale/lang/zh-CN'
import en from './en'
import zhCN, { type MessageSchema } from './zh-CN'
import { loadJson, saveJson } from '@/lib/storage'

export type AppLocale = 'zh-CN' | 'en'

const saved = loadJson<AppLocale>('locale')
const initial: AppLocale = saved === 'en' ? 'en' : 'zh-CN'

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: initial,
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

function applyVant(locale: AppLocale): void {
  if (locale === 'en') Locale.use('en-US', enUS)
  else Locale.use('zh-CN', zhCNVant)
  document.documentElement.lang = locale === 'en' ? 'en' : 'zh-CN'
}

applyVant(initial)

export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  saveJson('locale', locale)
  applyVant(locale)
}
