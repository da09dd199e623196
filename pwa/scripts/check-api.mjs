// `npm run check:api`: is src/api/schema.d.ts what `npm run gen:api` makes of openapi.json?
// Regenerates it into a temporary folder with the same command and compares byte for byte
// (openapi-typescript's output is stable for a given input). The server side of the chain,
// openapi.json against the server's schema, is tests/mobile_api/test_schema_fresh.py.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const committed = join(root, 'src/api/schema.d.ts')
const dir = mkdtempSync(join(tmpdir(), 'zt-api-'))
const fresh = join(dir, 'schema.d.ts')
try {
  const bin = join(root, 'node_modules/.bin/openapi-typescript')
  execFileSync(bin, [join(root, 'openapi.json'), '-o', fresh], { stdio: 'pipe' })
  const want = readFileSync(fresh, 'utf8')
  let have = ''
  try {
    have = readFileSync(committed, 'utf8')
  } catch {
    have = ''
  }
  if (want !== have) {
    const a = have.split('\n')
    const b = want.split('\n')
    let line = 0
    while (line < a.length && line < b.length && a[line] === b[line]) line += 1
    console.error(
      `src/api/schema.d.ts is stale: it is not what openapi.json generates ` +
        `(first difference at line ${line + 1}).\n` +
        `  committed: ${a[line] ?? '(end of file)'}\n` +
        `  generated: ${b[line] ?? '(end of file)'}\n` +
        'Run `npm run gen:api` (after `make api-schema` if the server changed) and commit both.',
    )
    process.exitCode = 1
  } else {
    console.log('src/api/schema.d.ts matches openapi.json')
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
