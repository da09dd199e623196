// Gzipped size of the JavaScript the browser loads before the first screen:
// the entry script in dist/index.html and every module it preloads.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const dist = new URL('../dist/', import.meta.url).pathname
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const files = new Set()
for (const match of html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/?([^"]+\.js)"/g))
  files.add(match[1])
let total = 0
for (const file of files) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
  total += size
  console.log(`${(size / 1024).toFixed(1).padStart(7)} KB  ${file}`)
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB  initial JS (gzip)`)
const budget = 250 * 1024
if (total > budget) {
  console.error(`over the ${budget / 1024} KB budget`)
  process.exit(1)
}
