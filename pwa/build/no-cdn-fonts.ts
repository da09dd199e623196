import type { AtRule, Plugin } from 'postcss'

/** A `src` source that loads from another host (`url(//…)`, `url(https://…)`). */
const REMOTE = /url\(\s*['"]?(https?:)?\/\//

/**
 * Vant's icon font ships inline (woff2 as a data: URL) with fallbacks on a public
 * CDN (at.alicdn.com). A government intranet must not reach out to it, and the
 * server's Content-Security-Policy (`font-src 'self' data:`) refuses it anyway:
 * drop every remote source from `@font-face` rules at build time.
 */
export function noCdnFonts(): Plugin {
  return {
    postcssPlugin: 'zt-no-cdn-fonts',
    AtRule: {
      'font-face': (rule: AtRule) => {
        rule.walkDecls('src', (decl) => {
          // Split on the commas between sources, not those inside url(…).
          const sources = decl.value.split(/,(?![^(]*\))/)
          decl.value = sources.filter((source) => !REMOTE.test(source)).join(',')
        })
      },
    },
  }
}
