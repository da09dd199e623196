/**
 * Precompress the build: next to every text asset write `.br` and `.gz`
 * siblings. whitenoise (the server's static layer) serves a sibling when the
 * browser accepts that encoding, and never compresses on the fly, so without
 * these files the PWA's JavaScript and CSS cross the network uncompressed
 * (about 3× the bytes; Lighthouse "Enable text compression").
 *
 * Runs in `writeBundle`, after `sw-plugin` has listed the bundle, so the
 * service worker precaches only the originals.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

const TEXT = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/
// Below this the headers cost more than compression saves.
const MIN_BYTES = 1024

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    return statSync(full).isDirectory() ? walk(full) : [full]
  })
}

export function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'zt-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    writeBundle() {
      for (const file of walk(outDir)) {
        if (!TEXT.test(file)) continue
        const source = readFileSync(file)
        if (source.length < MIN_BYTES) continue
        writeFileSync(`${file}.gz`, gzipSync(source, { level: 9 }))
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(source, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
            },
          }),
        )
      }
    },
  }
}
