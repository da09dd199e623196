// The PWA's API types, generated from the committed schema (openapi.json, written by
// `make api-schema`) with openapi-typescript:
//   node scripts/api-types.mjs          (`npm run gen:api`)   writes src/api/schema.d.ts
//   node scripts/api-types.mjs --check  (`npm run check:api`) fails if the committed file is stale
// The check regenerates into a temporary folder and compares byte for byte (the output is
// stable for a given input). The server side of the chain, openapi.json against the server's
// schema, is tests/mobile_api/test_schema_fresh.py.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const target = join(root, 'src/api/schema.d.ts')

function generate(output) {
  const bin = join(root, 'node_modules/.bin/openapi-typescript')
  // Fields with a default are optional, as on the wire: a request may leave them out, and
  // an optional WebSocket field that was not set is not sent (realtime/event_types.py).
  const args = ['openapi.json', '-o', output, '--default-non-nullable', 'false']
  execFileSync(bin, args, { cwd: root, stdio: 'pipe' })
}

function read(path) {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

function check() {
  const dir = mkdtempSync(join(tmpdir(), 'zt-api-'))
  try {
    const fresh = join(dir, 'schema.d.ts')
    generate(fresh)
    const have = read(target).split('\n')
    const want = read(fresh).split('\n')
    let line = 0
    while (line < have.length && line < want.length && have[line] === want[line]) line += 1
    if (line === have.length && line === want.length) {
      console.log('src/api/schema.d.ts matches openapi.json')
      return
    }
    console.error(
      'src/api/schema.d.ts is stale: it is not what openapi.json generates ' +
        `(first difference at line ${line + 1}).\n` +
        `  committed: ${have[line] ?? '(end of file)'}\n` +
        `  generated: ${want[line] ?? '(end of file)'}\n` +
        'Run `npm run gen:api` (after `make api-schema` if the server changed) and commit both.',
    )
    process.exitCode = 1
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--check')) {
  check()
} else {
  generate(target)
  console.log('src/api/schema.d.ts generated from openapi.json')
}
