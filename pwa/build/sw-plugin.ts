/**
 * A tiny service-worker generator (instead of workbox): after the bundle is
 * written we know every hashed asset, so we emit `sw.js` with that list baked
 * in. The worker precaches the app shell so the PWA opens offline, and never
 * caches anything under /api/ or /ws/ — user data stays out of CacheStorage.
 * Assets over PRECACHE_MAX_BYTES (the 楷体 font) are not precached: a phone
 * fetches them on first use and the worker's runtime cache keeps them.
 * Web push (show, group, open on tap) is in the template; its pure half is
 * build/sw-push.ts, compiled in here so the unit tests and the worker share it.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { transformWithEsbuild, type Plugin, type ResolvedConfig } from 'vite'

function listFiles(dir: string, root = dir): string[] {
  let out: string[] = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out = out.concat(listFiles(full, root))
    else out.push(relative(root, full).split('\\').join('/'))
  }
  return out
}

/** build/sw-push.ts as a script defining `ztPush` (the worker is a classic script). */
async function pushHelpers(templatePath: string): Promise<string> {
  const path = join(dirname(templatePath), 'sw-push.ts')
  const out = await transformWithEsbuild(readFileSync(path, 'utf8'), path, {
    format: 'iife',
    globalName: 'ztPush',
    target: 'es2020',
  })
  return out.code.trim()
}

export const PRECACHE_MAX_BYTES = 2 * 1024 * 1024

export function serviceWorker(templatePath: string): Plugin {
  let config: ResolvedConfig
  return {
    name: 'zt-service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved
    },
    async generateBundle(_options, bundle) {
      const base = config.base
      const files = new Set<string>()
      for (const [fileName, output] of Object.entries(bundle)) {
        if (fileName.endsWith('.map') || fileName === 'index.html') continue
        const size = output.type === 'asset' ? output.source.length : output.code.length
        if (size > PRECACHE_MAX_BYTES) continue
        files.add(base + fileName)
      }
      const publicDir = config.publicDir
      if (publicDir) {
        for (const file of listFiles(publicDir)) {
          if (file === 'sw.js') continue
          files.add(base + file)
        }
      }
      const precache = [...files].sort()
      const version = createHash('sha256').update(precache.join('\n')).digest('hex').slice(0, 12)
      const helpers = await pushHelpers(templatePath)
      const source = readFileSync(templatePath, 'utf8')
        .replace('__ZT_VERSION__', JSON.stringify(version))
        .replace('__ZT_PRECACHE__', JSON.stringify(precache))
        .replace('__ZT_SHELL__', JSON.stringify(base))
        .replace('/* __ZT_PUSH_HELPERS__ */', () => helpers)
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}
