// Lighthouse (mobile preset) against a running 政通 server: the login screen
// and one group conversation, each `--runs` times, medians printed as JSON.
//
//   node bench/lighthouse/run.mjs --base http://127.0.0.1:8000 [--runs 3]
//
// Usually started by `.venv/bin/python -m bench.lighthouse`, which builds a
// private embedded server first. Each run uses a fresh browser context (no
// cache, no service worker, no localStorage); the chat runs get the session
// cookie of a REST login (GET /api/v1/auth/csrf, POST /api/v1/auth/login)
// set on that context, which Lighthouse's storage reset leaves alone.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import lighthouse from 'lighthouse'
import puppeteer from 'puppeteer-core'

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://127.0.0.1:8000' },
    runs: { type: 'string', default: '3' },
    mobile: { type: 'string', default: '13800000003' },
    password: { type: 'string', default: 'zhengtong2026' },
    group: { type: 'string', default: '市府办工作群' },
    chromium: { type: 'string', default: process.env.ZT_CHROMIUM ?? '/usr/bin/chromium' },
    screens: { type: 'string', default: 'login,chat' },
    reports: { type: 'string' },
  },
})

const base = args.base.replace(/\/$/, '')
const runs = Number(args.runs)
const CATEGORIES = ['performance', 'accessibility', 'best-practices']
const METRICS = [
  'first-contentful-paint',
  'largest-contentful-paint',
  'total-blocking-time',
  'cumulative-layout-shift',
  'speed-index',
]

function cookiesOf(response) {
  const out = {}
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';')
    const at = pair.indexOf('=')
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  return out
}

async function restLogin() {
  const csrf = await fetch(`${base}/api/v1/auth/csrf`)
  const jar = cookiesOf(csrf)
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-CSRFToken': jar.csrftoken,
      Cookie: `csrftoken=${jar.csrftoken}`,
      Origin: base,
      Referer: `${base}/login`,
    },
    body: JSON.stringify({ mobile: args.mobile, password: args.password }),
  })
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`)
  Object.assign(jar, cookiesOf(login))
  if (!jar.sessionid) throw new Error('login set no session cookie')
  const header = Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
  const list = await fetch(`${base}/api/v1/conversations`, { headers: { Cookie: header } })
  const conversations = await list.json()
  const group = conversations.find((c) => c.name === args.group)
  if (!group) throw new Error(`no conversation named ${args.group}`)
  return { jar, conversationId: group.id }
}

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number').sort((a, b) => a - b)
  if (!sorted.length) return null
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Audits that cost points: weighted (or failing) and not passed. */
function losses(lhr) {
  const out = {}
  for (const id of CATEGORIES) {
    const category = lhr.categories[id]
    out[id] = category.auditRefs
      .map((ref) => ({ ref, audit: lhr.audits[ref.id] }))
      .filter(
        ({ ref, audit }) =>
          audit.score !== null &&
          audit.score < 1 &&
          (ref.weight > 0 || audit.scoreDisplayMode === 'binary'),
      )
      .map(({ ref, audit }) => ({
        id: ref.id,
        weight: ref.weight,
        score: audit.score,
        value: audit.displayValue ?? null,
      }))
  }
  return out
}

async function audit(browser, url, cookies) {
  const context = await browser.createBrowserContext()
  try {
    const page = await context.newPage()
    if (cookies) {
      const { hostname } = new URL(base)
      await context.setCookie(
        ...Object.entries(cookies).map(([name, value]) => ({
          name,
          value,
          domain: hostname,
          path: '/',
          httpOnly: name === 'sessionid',
          sameSite: 'Lax',
        })),
      )
    }
    const result = await lighthouse(
      url,
      { output: 'json', logLevel: 'error', onlyCategories: CATEGORIES },
      undefined,
      page,
    )
    if (!result) throw new Error('lighthouse returned nothing')
    return result.lhr
  } finally {
    await context.close()
  }
}

async function main() {
  const { jar, conversationId } = await restLogin()
  const screens = {
    login: { url: `${base}/login`, cookies: null },
    chat: { url: `${base}/chats/${conversationId}`, cookies: jar },
  }
  const browser = await puppeteer.launch({
    executablePath: args.chromium,
    headless: true,
    args: ['--no-sandbox', '--no-first-run', '--disable-background-networking'],
  })
  const out = {
    base,
    chromium: await browser.version(),
    lighthouse: (await import('lighthouse/package.json', { with: { type: 'json' } })).default
      .version,
    runs,
    screens: {},
  }
  try {
    for (const name of args.screens.split(',')) {
      const screen = screens[name]
      const results = []
      for (let i = 0; i < runs; i++) {
        const loadavg = (await import('node:os')).loadavg().map((v) => v.toFixed(2))
        const lhr = await audit(browser, screen.url, screen.cookies)
        if (lhr.runtimeError) throw new Error(`${name}: ${lhr.runtimeError.message}`)
        const scores = Object.fromEntries(
          CATEGORIES.map((id) => [id, Math.round(lhr.categories[id].score * 100)]),
        )
        const metrics = Object.fromEntries(
          METRICS.map((id) => [id, lhr.audits[id].numericValue]),
        )
        results.push({
          scores,
          metrics,
          loadavg,
          finalUrl: lhr.finalDisplayedUrl,
          losses: losses(lhr),
          warnings: lhr.runWarnings,
        })
        if (args.reports) {
          const path = join(args.reports, `${name}-${i + 1}.json`)
          mkdirSync(dirname(path), { recursive: true })
          writeFileSync(path, JSON.stringify(lhr))
        }
        console.error(`${name} #${i + 1}: ${JSON.stringify(scores)} load ${loadavg.join(' ')}`)
      }
      out.screens[name] = {
        url: screen.url,
        median: Object.fromEntries(
          CATEGORIES.map((id) => [id, median(results.map((r) => r.scores[id]))]),
        ),
        medianMetrics: Object.fromEntries(
          METRICS.map((id) => [id, median(results.map((r) => r.metrics[id]))]),
        ),
        runs: results,
      }
    }
  } finally {
    await browser.close()
  }
  console.log(JSON.stringify(out, null, 2))
}

await main()
