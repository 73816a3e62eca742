// End-to-end tests of the web shop in real headless Chromium against the
// real flashscale binary on a fresh SQLite store. Run with `npm run e2e`
// (node --test); FLASHSCALE_BIN names the binary (default ../bin/flashscale,
// built by `make build`), CHROMIUM_PATH the browser (default
// /usr/bin/chromium).
//
// Every page and state is checked at desktop (1366×900) and phone (390×844)
// widths with axe-core (no serious or critical violation) and screenshotted
// at both into e2e/artifacts/, and must not scroll sideways at 390, 360 or
// 320 px. The server's log lands there too, with the first-paint metrics
// (metrics.json).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const webapp = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.resolve(webapp, process.env.FLASHSCALE_BIN ?? '../bin/flashscale')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = path.join(webapp, 'e2e', 'artifacts')
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
// The service insists on admin tokens of at least 16 characters.
const ADMIN_TOKEN = 'e2e-admin-token-not-secret'
const COLOR = 'green'
const VERSION = 'e2e-1.2.3'
const STEP_TIMEOUT = 20_000
const DESKTOP = { width: 1366, height: 900 }
const PHONE = { width: 390, height: 844 }
const SMALL = { width: 360, height: 740 }
const NARROW = { width: 320, height: 720 }

/**
 * First-paint budget of a cold home page load with the CPU throttled 4×,
 * on the phone viewport, the median of three loads. The development
 * machine (2 cores shared by several engineers' builds, load average up to
 * 14) measured a median LCP of 1.2–2.5 s; the budget leaves room for that
 * so the run does not flake. README.md states it.
 */
const BUDGET = { fcp: 4000, lcp: 4000, cls: 0.05 }

let server
let serverEnv
let dataDir
let base
let browser
let context
let page
/** Console errors and uncaught exceptions: a CSP violation shows up here. */
const pageErrors = []
let orderId
const hour = 3_600_000

// ---------------------------------------------------------------- helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** eventually retries an assertion until it passes or the time is up. */
async function eventually(fn, timeout = STEP_TIMEOUT) {
  const deadline = Date.now() + timeout
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await sleep(200)
    }
  }
}

async function api(method, urlPath, body, { admin = false } = {}) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (admin) headers.Authorization = `Bearer ${ADMIN_TOKEN}`
  const res = await fetch(base + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, json }
}

async function admin(method, urlPath, body) {
  const res = await api(method, urlPath, body, { admin: true })
  assert.equal(res.status, 200, `${method} ${urlPath}: ${JSON.stringify(res.json)}`)
  return res.json
}

async function catalog() {
  return (await api('GET', '/api/products')).json.products
}

/** setWindows gives every product the sale window fn returns for it. */
async function setWindows(fn) {
  const products = await catalog()
  await Promise.all(products.map((p, i) => admin('PUT', `/api/admin/products/${p.id}/sale`, fn(p, i))))
}

/** catalogShows waits for the in-memory catalog (≤1 s stale) to catch up. */
async function catalogShows(id, check) {
  await eventually(async () => {
    const p = (await catalog()).find((x) => x.id === id)
    assert.ok(p && check(p), `catalog has not caught up for ${id}`)
  })
}

/** overflowing names the elements that stick out past the viewport's right edge. */
async function overflowing() {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth
    if (document.documentElement.scrollWidth <= w) return []
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > w + 0.5)
      .slice(0, 5)
      .map((e) => `<${e.tagName.toLowerCase()} class="${e.getAttribute('class') ?? ''}"> ends at ${Math.round(e.getBoundingClientRect().right)}px`)
  })
}

/** axe runs axe-core on the page and returns its serious and critical violations. */
async function axe() {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE)
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
}

// Two frames, then every running CSS transition and animation finished: axe
// measuring a button half-way from its disabled grey to its blue (Tailwind's
// transition-colors, 150 ms) reports a contrast the shopper never sees.
const settle = () =>
  page.evaluate(async () => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
    // A spinner (animate-spin) never finishes: only finite ones are awaited.
    const finite = document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
    await Promise.all(finite.map((a) => a.finished.catch(() => {})))
  })

/**
 * check inspects the page as it is at both widths: axe, a screenshot of
 * the whole page each, and no sideways scroll at 390, 360 or 320 px (the
 * header's word mark comes and goes at 360). It leaves the desktop width
 * set.
 */
async function check(name) {
  const problems = []
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE], ['360', SMALL], ['320', NARROW]]) {
    await page.setViewportSize(size)
    await settle()
    const over = label === 'desktop' ? [] : await overflowing()
    if (over.length) problems.push(`${name} scrolls sideways at ${size.width} px: ${over.join(', ')}`)
    if (label === '320' || label === '360') continue
    for (const v of await axe()) problems.push(`${name} at ${label}: ${v}`)
    // Lazy images below the fold would be blank in a full-page shot.
    await page.evaluate(() => document.querySelectorAll('img[loading="lazy"]').forEach((i) => (i.loading = 'eager')))
    await page.waitForFunction(() => [...document.images].every((i) => i.complete), null, { timeout: 5000 }).catch(() => {})
    // From the top, so the sticky header is where a shopper sees it.
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${label}.png`), fullPage: true })
  }
  await page.setViewportSize(DESKTOP)
  await settle()
  assert.deepEqual(problems, [])
}

/** The shopper of the main flow; the password is long rather than clever (NIST SP 800-63B). */
const ASHA = { name: 'Asha Rao', email: 'asha@example.in', password: 'monsoon sale at midnight' }

const passwordField = () => page.getByLabel('Password', { exact: true })
const header = () => page.getByRole('navigation', { name: 'Main' })

async function register({ name, email, password }) {
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name)
  await field('Email').fill(email)
  await passwordField().fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
}

async function signIn({ email, password }) {
  await field('Email').fill(email)
  await passwordField().fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

const cartLink = (n) => page.getByRole('link', { name: `Cart ${n} ${n === 1 ? 'item' : 'items'}` })
const field = (name) => page.getByRole('textbox', { name, exact: true })

async function fillAddress({ name, phone, email, line1, line2 = '', pin, city, state }) {
  await field('Full name').fill(name)
  await field('Mobile number').fill(phone)
  await field('Email').fill(email)
  await field('Address line 1').fill(line1)
  await field('Address line 2').fill(line2)
  await field('PIN code').fill(pin)
  await field('City').fill(city)
  await page.getByRole('combobox', { name: 'State' }).selectOption(state)
}

/** serverTail keeps the server's last output for error messages. */
let serverTail = ''
const log = { stream: null }

async function startServer() {
  server = spawn(BIN, ['serve'], { env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const stream of [server.stdout, server.stderr]) {
    stream.pipe(log.stream, { end: false })
    stream.on('data', (chunk) => (serverTail = (serverTail + chunk).slice(-4000)))
  }
  let exited = null
  server.once('exit', (code, signal) => (exited = { code, signal }))
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) throw new Error(`flashscale exited early (${JSON.stringify(exited)}):\n${serverTail}`)
    const res = await fetch(`${base}/readyz`).catch(() => null)
    if (res?.status === 200) return
    if (Date.now() > deadline) throw new Error(`flashscale not ready after 30 s:\n${serverTail}`)
    await sleep(100)
  }
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGTERM')
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

function watch(p) {
  p.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`))
  p.on('console', (msg) => {
    // Chromium logs every failed response as an error; the shop causes
    // some on purpose (409 sold out, 404 pages, the outage). Anything else
    // is a real problem.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${msg.text()}`)
  })
}

// ------------------------------------------------------------ set up/down

before(async () => {
  assert.ok(
    existsSync(BIN),
    `flashscale binary not found at ${BIN}: run \`make build\` (or set FLASHSCALE_BIN)`,
  )
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`)
  await mkdir(ARTIFACTS, { recursive: true })
  dataDir = await mkdtemp(path.join(tmpdir(), 'flashscale-e2e-'))
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  serverEnv = { ...process.env }
  delete serverEnv.DATABASE_URL // always the embedded SQLite store
  Object.assign(serverEnv, {
    PORT: String(port),
    FLASHSCALE_DATA_DIR: dataDir,
    DEPLOY_COLOR: COLOR,
    APP_VERSION: VERSION,
    FLASHSCALE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLASHSCALE_LOG_FORMAT: 'text',
    FLASHSCALE_ACCESS_LOG: 'all',
  })
  log.stream = createWriteStream(path.join(ARTIFACTS, 'server.log'))
  await startServer()

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  context = await browser.newContext({ viewport: DESKTOP, locale: 'en-IN', timezoneId: 'Asia/Kolkata' })
  context.setDefaultTimeout(STEP_TIMEOUT)
  page = await context.newPage()
  watch(page)
})

after(async () => {
  await browser?.close().catch(() => {})
  await stopServer()
  log.stream?.end()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

// ------------------------------------------------------------------ tests

test('first paint: FCP, LCP and CLS of a cold home load at CPU 4×', async () => {
  const runs = []
  for (let i = 0; i < 3; i++) runs.push(await coldLoad(PHONE))
  const desktop = await coldLoad(DESKTOP)
  const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[1]
  const m = { fcp: median('fcp'), lcp: median('lcp'), cls: median('cls'), lcpElement: runs[1].lcpElement, apiRequests: runs[1].apiRequests }
  console.log(
    `first paint, cold home load, CPU 4×, ${PHONE.width}×${PHONE.height} (median of 3): ` +
      `FCP ${m.fcp} ms, LCP ${m.lcp} ms (${m.lcpElement}), CLS ${m.cls.toFixed(4)}; ` +
      `runs ${runs.map((r) => `${r.fcp}/${r.lcp}/${r.cls.toFixed(3)}`).join(', ')}; ` +
      `desktop ${DESKTOP.width}×${DESKTOP.height}: FCP ${desktop.fcp} ms, LCP ${desktop.lcp} ms, CLS ${desktop.cls.toFixed(4)}; ` +
      `budget FCP < ${BUDGET.fcp} ms, LCP < ${BUDGET.lcp} ms, CLS < ${BUDGET.cls}`,
  )
  await writeFile(path.join(ARTIFACTS, 'metrics.json'), JSON.stringify({ phone: runs, desktop, median: m, budget: BUDGET }, null, 2))
  // The catalog came with the page: the grid needed no API round trip.
  assert.equal(m.apiRequests, 0, 'the first screen asked the API for data the page carries')
  assert.ok(m.fcp < BUDGET.fcp, `FCP ${m.fcp} ms over the budget of ${BUDGET.fcp} ms`)
  assert.ok(m.lcp < BUDGET.lcp, `LCP ${m.lcp} ms over the budget of ${BUDGET.lcp} ms`)
  assert.ok(m.cls < BUDGET.cls, `CLS ${m.cls} over the budget of ${BUDGET.cls}`)
  assert.ok(desktop.cls < BUDGET.cls, `desktop CLS ${desktop.cls} over the budget of ${BUDGET.cls}`)
})

/** coldLoad loads the home page in a fresh context (empty cache) with the CPU throttled 4×. */
async function coldLoad(viewport) {
  const ctx = await browser.newContext({ viewport, locale: 'en-IN' })
  try {
    const p = await ctx.newPage()
    let apiRequests = 0
    // Who is signed in is the one thing the page cannot carry (it is the
    // same for everyone, cached per catalog version): the header asks
    // GET /api/session alongside, and holds its place until it answers.
    p.on('request', (r) => {
      const { pathname } = new URL(r.url())
      if (pathname.startsWith('/api/') && pathname !== '/api/session') apiRequests++
    })
    await p.addInitScript(() => {
      window.__vitals = { lcp: 0, lcpElement: '', cls: 0 }
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) {
          window.__vitals.lcp = e.startTime
          window.__vitals.lcpElement = e.element ? `<${e.element.tagName.toLowerCase()}> ${(e.element.textContent ?? '').slice(0, 30)}` : e.url
        }
      }).observe({ type: 'largest-contentful-paint', buffered: true })
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) if (!e.hadRecentInput) window.__vitals.cls += e.value
      }).observe({ type: 'layout-shift', buffered: true })
    })
    const cdp = await ctx.newCDPSession(p)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
    await p.goto(base + '/', { waitUntil: 'load' })
    await p.getByRole('article', { name: 'Dell Inspiron 15 Laptop' }).waitFor()
    // Let late shifts and paints happen before reading.
    await p.waitForTimeout(1500)
    const v = await p.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Infinity,
      ...window.__vitals,
    }))
    // The first second of polling must not ask for the catalog either.
    return { fcp: Math.round(v.fcp), lcp: Math.round(v.lcp), cls: v.cls, lcpElement: v.lcpElement, apiRequests }
  } finally {
    await ctx.close()
  }
}

test('home page: the whole catalog with prices, straight from the page', async () => {
  const res = await page.goto(base + '/')
  assert.equal(res.status(), 200)
  const laptop = page.getByRole('article', { name: 'Dell Inspiron 15 Laptop' })
  await laptop.waitFor()
  const text = await laptop.innerText()
  assert.match(text, /₹55,000/)
  assert.match(text, /₹65,000/)
  assert.match(text, /15% off/)
  // The first cards paint first; the rest follow at once.
  await eventually(async () => assert.equal(await page.getByRole('article').count(), 40))
  // Product names sit under the section's heading.
  assert.equal(await laptop.getByRole('heading', { level: 3 }).innerText(), 'Dell Inspiron 15 Laptop')
  assert.equal(await page.getByRole('heading', { level: 1, name: 'Flash sale is live' }).count(), 1)
  assert.match(await page.getByText(/deals are live/).innerText(), /All 40 deals are live\./)
  // Every seed image is the shop's own SVG and loads.
  await page.evaluate(() => document.querySelectorAll('img').forEach((i) => (i.loading = 'eager')))
  await eventually(async () => {
    const broken = await page.$$eval('img', (imgs) => imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src))
    assert.deepEqual(broken, [])
  })
  await check('home')
})

test('banner, live: how many deals are on, the one ending soonest and the next to start, by name', async () => {
  await admin('PUT', '/api/admin/products/sony-wh-1000xm5/sale', { saleEndsAt: new Date(Date.now() + 25 * 60_000).toISOString() })
  await admin('PUT', '/api/admin/products/voltas-inverter-ac/sale', { saleEndsAt: new Date(Date.now() + 3 * hour).toISOString() })
  await admin('PUT', '/api/admin/products/prestige-induction-cooktop/sale', {
    saleStartsAt: new Date(Date.now() + 5 * hour).toISOString(),
    saleEndsAt: new Date(Date.now() + 29 * hour).toISOString(),
  })
  await page.goto(base + '/')
  await page.getByRole('heading', { level: 1, name: 'Flash sale is live' }).waitFor()
  assert.match(await page.getByText(/deals are live/).innerText(), /^39 of 40 deals are live\. Next: Prestige Induction Cooktop starts in 0[45]:\d\d:\d\d\.$/)
  assert.match(await page.getByText(/^Ending soonest:/).innerText(), /Sony WH-1000XM5 Headphones/)
  const timer = page.getByRole('timer')
  const first = await timer.getAttribute('aria-label')
  assert.match(first, /^Sony WH-1000XM5 Headphones deal ends in 2[45] minutes \d+ seconds$/)
  assert.match(await timer.innerText(), /hrs\s+2[45]\s+min\s+\d\d\s+sec/i)
  await eventually(async () => assert.notEqual(await timer.getAttribute('aria-label'), first, 'countdown is not ticking'))
  // Each card shows its own end or start.
  const sony = page.getByRole('article', { name: 'Sony WH-1000XM5 Headphones' })
  assert.match(await sony.innerText(), /Deal ends in 00:2[45]:\d\d/)
  assert.match(await page.getByRole('article', { name: 'Voltas 1.5 Ton Inverter Split AC' }).innerText(), /Deal ends in 0[23]:\d\d:\d\d/)
  const cooktop = page.getByRole('article', { name: 'Prestige Induction Cooktop' })
  assert.equal(await cooktop.getByRole('button', { name: /Coming soon/ }).isDisabled(), true)
  assert.match(await cooktop.innerText(), /Starts in 0[45]:\d\d:\d\d/)
  await check('banner-live')
})

test('banner, upcoming: no deal is on yet', async () => {
  const at = Date.now() + hour
  await setWindows((p) => ({ saleStartsAt: new Date(at + (p.id === 'boat-airdopes-141' ? 0 : 30 * 60_000)).toISOString() }))
  await catalogShows('dell-inspiron-15', (p) => Boolean(p.saleStartsAt))
  await page.goto(base + '/')
  await page.getByRole('heading', { level: 1, name: 'Flash sale starts soon' }).waitFor()
  assert.match(await page.getByText(/^First deal:/).innerText(), /boAt Airdopes 141/)
  assert.match(await page.getByRole('timer').getAttribute('aria-label'), /^boAt Airdopes 141 deal starts in (59 minutes|1 hour 0 minutes) \d+ seconds$/)
  await eventually(async () => assert.equal(await page.getByRole('button', { name: /^Coming soon/ }).count(), 40))
  await check('banner-upcoming')
})

test('banner, ended: every deal has closed', async () => {
  await setWindows(() => ({ saleEndsAt: new Date(Date.now() - 60_000).toISOString() }))
  await page.goto(base + '/')
  await page.getByRole('heading', { level: 1, name: 'The flash sale has ended' }).waitFor()
  assert.equal(await page.getByRole('timer').count(), 0)
  await eventually(async () => assert.equal(await page.getByRole('button', { name: /^Sale ended/ }).count(), 40))
  await check('banner-ended')
  // Back to an open sale for the rest of the run.
  await setWindows(() => ({}))
  await catalogShows('dell-inspiron-15', (p) => !p.saleEndsAt)
})

test('search: words match anywhere, the URL holds the query and the back button undoes it', async () => {
  await page.goto(base + '/')
  await page.getByRole('article').first().waitFor()
  const box = page.getByRole('searchbox', { name: 'Search deals' })
  await box.fill('samsung')
  await box.press('Enter')
  await page.waitForURL(/\/\?q=samsung$/)
  await page.getByText('2 deals for “samsung”').waitFor()
  assert.deepEqual(await page.getByRole('article').locator('h3').allInnerTexts(), ['Samsung 43" 4K LED TV', 'Samsung Galaxy M34 5G'])
  await check('search')

  await box.fill('samsung phone')
  await box.press('Enter')
  await page.getByText('0 deals for “samsung phone”').waitFor()
  await page.getByText('No deals match “samsung phone”').waitFor()
  await check('search-no-results')

  await page.goBack()
  await page.getByText('2 deals for “samsung”').waitFor()
  assert.equal(await box.inputValue(), 'samsung')
  // A shared link opens on the same view, answered by the server.
  const res = await api('GET', '/api/products?q=samsung')
  assert.equal(res.json.products.length, 2)
  await page.goto(base + '/?q=samsung')
  await page.getByText('2 deals for “samsung”').waitFor()
})

test('categories: chips filter and count, sort orders, buyable deals first', async () => {
  await admin('PUT', '/api/admin/products/levis-511-jeans/stock', { stock: 0 })
  await page.goto(base + '/')
  const chips = page.getByRole('navigation', { name: 'Categories' })
  await chips.getByRole('link', { name: 'Fashion 7 deals' }).click()
  await page.waitForURL(/\/\?category=fashion$/)
  await page.getByText('7 deals in Fashion').waitFor()
  assert.equal(await chips.getByRole('link', { name: 'Fashion 7 deals' }).getAttribute('aria-current'), 'true')
  const names = await page.getByRole('article').locator('h3').allInnerTexts()
  assert.equal(names.length, 7)
  // The sold-out jeans go after every deal that can be bought.
  assert.equal(names.at(-1), "Levi's 511 Slim Fit Jeans")

  await page.getByRole('combobox', { name: 'Sort by' }).selectOption('price_asc')
  await page.waitForURL(/\/\?category=fashion&sort=price_asc$/)
  await page.getByText('7 deals in Fashion, price: low to high').waitFor()
  await eventually(async () => {
    const prices = (await page.getByRole('article').locator('p').filter({ hasText: /^Price/ }).allInnerTexts()).map((t) =>
      Number(t.replace(/^Price\s*₹/, '').split(/\s/)[0].replace(/,/g, '')),
    )
    assert.deepEqual(prices.slice(0, 6), [...prices.slice(0, 6)].sort((a, b) => a - b))
  })
  await check('category')
  await page.goBack()
  await page.getByText('7 deals in Fashion').waitFor()
  await admin('PUT', '/api/admin/products/levis-511-jeans/stock', { stock: 500 })
})

test('unknown pages answer 404 with the shop, a heading and a title of their own', async () => {
  let res = await page.goto(base + '/no-such-page')
  assert.equal(res.status(), 404)
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor()
  assert.equal(await page.title(), 'Page not found – FlashScale')
  await cartLink(0).waitFor()
  await check('not-found')

  res = await page.goto(base + '/products/no-such-product')
  assert.equal(res.status(), 404)
  await page.getByRole('heading', { level: 1, name: 'Product not found' }).waitFor()
  assert.equal(await page.title(), 'Product not found – FlashScale')
  await check('product-not-found')
})

test('product page: a quantity within the limit, into the cart', async () => {
  await page.goto(base + '/')
  await page.getByRole('link', { name: 'Dell Inspiron 15 Laptop' }).click()
  await page.waitForURL('**/products/dell-inspiron-15')
  await page.getByRole('heading', { name: 'Dell Inspiron 15 Laptop', level: 1 }).waitFor()
  const qty = page.getByRole('combobox', { name: 'Quantity' })
  // maxPerShopper is 2 for the laptop.
  await eventually(async () => assert.deepEqual(await qty.locator('option').allInnerTexts(), ['1', '2']))
  await page.getByText('Limit 2 per shopper.').waitFor()
  await check('product')
  await qty.selectOption('2')
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await cartLink(2).waitFor()
  assert.equal(await page.getByRole('button', { name: 'Limit reached' }).isDisabled(), true)

  await page.getByRole('link', { name: '← All deals' }).click()
  await page.getByRole('button', { name: 'Add to cart: boAt Airdopes 141' }).click()
  await cartLink(3).waitFor()
})

test('cart is priced by the server and survives a reload', async () => {
  await cartLink(3).click()
  await page.waitForURL('**/cart')
  const total = page.getByTestId('cart-total')
  await eventually(async () => assert.equal(await total.innerText(), '₹1,11,099'))
  await page.reload()
  await page.getByRole('listitem', { name: 'Dell Inspiron 15 Laptop' }).waitFor()
  await page.getByRole('listitem', { name: 'boAt Airdopes 141' }).waitFor()
  await eventually(async () => assert.equal(await page.getByTestId('cart-total').innerText(), '₹1,11,099'))
  await cartLink(3).waitFor()
  await check('cart')
})

test('checkout needs an account: a guest is sent to sign in, registers, and comes back to checkout with the cart', async () => {
  await page.getByRole('link', { name: 'Proceed to checkout' }).click()
  await page.waitForURL('**/signin?next=%2Fcheckout')
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
  await page.getByText('Your cart (3 items) is kept on this device and waits for you.').waitFor()
  assert.equal(await page.title(), 'Sign in – FlashScale')
  await check('signin')
  await page.getByRole('link', { name: 'Create an account' }).click()
  await page.waitForURL('**/register?next=%2Fcheckout')
  // The shop's own checks come first: a short password is not sent.
  await register({ ...ASHA, password: 'short' })
  await page.getByText('Password must be at least 8 characters').waitFor()
  assert.equal(await passwordField().getAttribute('aria-invalid'), 'true')
  await check('register-errors')
  await register(ASHA)
  await page.waitForURL('**/checkout')
  // The header says who is signed in; the cart is all there.
  await header().getByRole('button', { name: 'Asha, your account' }).waitFor()
  await cartLink(3).waitFor()
})

test('checkout: a structured Indian address, validated, with the delivery date and payment stated', async () => {
  assert.equal(new URL(page.url()).pathname, '/checkout')
  const place = page.getByRole('button', { name: /Place order/ })
  await eventually(async () => assert.match(await place.innerText(), /₹1,11,099/))
  await place.click()
  await page.getByText('Full name is required').waitFor()
  assert.equal(await field('Full name').getAttribute('aria-invalid'), 'true')
  await check('checkout-errors')

  await fillAddress({ name: 'Asha Rao', phone: '98765 43210', email: 'asha@example.in', line1: 'Flat 4B, Prestige Towers',
    line2: 'Residency Road', pin: '110001', city: 'Bengaluru', state: 'Karnataka' })
  // A PIN code of another state is caught before the order is sent.
  await page.getByText('PIN code is not in Karnataka').waitFor()
  await field('PIN code').fill('560025')
  await page.getByText(/^Delivery \w{3}, \d{1,2} \w{3} – \w{3}, \d{1,2} \w{3}$/).waitFor()
  await page.getByText('Pay on delivery: cash or UPI', { exact: true }).waitFor()
  await check('checkout')
  await place.click()

  await page.waitForURL(/\/orders\/FS-[A-Z0-9]+\/confirmation$/)
  orderId = page.url().match(/\/orders\/(FS-[A-Z0-9]+)\//)[1]
  await page.getByRole('heading', { name: 'Thank you, Asha! Your order is placed.' }).waitFor()
  const ship = page.getByRole('region', { name: 'Delivering to' })
  assert.match(await ship.innerText(), /Flat 4B, Prestige Towers\nResidency Road\nBengaluru, Karnataka 560025/)
  assert.match(await ship.innerText(), /Payment: Pay on delivery: cash or UPI/)
  assert.match(await ship.innerText(), /Expected delivery: \w{3}, \d{1,2} \w{3} – /)
  await cartLink(0).waitFor()
  await check('confirmation')

  // The order really took stock from the store, and stored the address in its parts.
  await catalogShows('dell-inspiron-15', (p) => p.stock === 98)
  await catalogShows('boat-airdopes-141', (p) => p.stock === 999)
  const stored = await (await page.request.get(`${base}/api/orders/${orderId}`)).json()
  assert.deepEqual(
    [stored.order.customer.pinCode, stored.order.customer.state, stored.order.customer.city, stored.order.paymentMethod],
    ['560025', 'Karnataka', 'Bengaluru', 'pay_on_delivery'],
  )
})

test('limits are visible before checkout and the checkout error offers the fix', async () => {
  // Both laptops allowed are bought: the product page says so and offers none.
  await page.goto(`${base}/products/dell-inspiron-15`)
  await page.getByText('Limit 2 per shopper. You have bought 2. You cannot add more of this deal.').waitFor()
  assert.equal(await page.getByRole('button', { name: 'Limit reached' }).isDisabled(), true)
  // A cart edited by hand (another tab, an old cart) holds one more: the cart
  // says what is allowed and lowers it.
  await page.evaluate(() => localStorage.setItem('flashscale.cart.v1', JSON.stringify([{ productId: 'dell-inspiron-15', quantity: 1 }])))
  await page.goto(`${base}/cart`)
  await page.getByText('You have bought the most you can of this deal').waitFor()
  assert.equal(await page.getByRole('button', { name: 'Proceed to checkout' }).first().isDisabled(), true)
  await check('cart-limit')
  await page.getByRole('button', { name: 'Update my cart to what is left' }).click()
  await page.getByText('Your cart is empty').waitFor()
  await check('cart-empty')
})

test('orders page lists the order', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click()
  await page.waitForURL('**/orders')
  const link = page.getByRole('link', { name: new RegExp(`Order ${orderId}`) })
  await link.waitFor()
  assert.match(await link.innerText(), /₹1,11,099/)
  assert.match(await link.innerText(), /Processing/)
  await check('orders')
})

test('tracking page follows the order as it advances', async () => {
  await page.getByRole('link', { name: new RegExp(`Order ${orderId}`) }).click()
  await page.waitForURL(`**/orders/${orderId}`)
  const progress = page.getByRole('list', { name: 'Order progress' })
  const current = progress.locator('[aria-current="step"]')
  await eventually(async () => assert.match(await current.innerText(), /\bProcessing\b/))

  const advanced = await admin('POST', `/api/admin/orders/${orderId}/advance`)
  assert.equal(advanced.order.status, 'Shipped')
  // Nobody reloads: the page polls.
  await eventually(async () => assert.match(await current.innerText(), /\bShipped\b/))
  await admin('POST', `/api/admin/orders/${orderId}/advance`)
  await eventually(async () => assert.match(await current.innerText(), /\bOut for Delivery\b/))
  assert.equal(await progress.getByRole('listitem').count(), 4)

  // A deep link is served the shop by the binary.
  const res = await page.reload()
  assert.equal(res.status(), 200)
  await eventually(async () => assert.match(await current.innerText(), /\bOut for Delivery\b/))
  await check('tracking')
})

test('a product that sells out mid-checkout cannot be bought', async () => {
  const id = 'mi-power-bank-20k'
  const name = 'Mi 20000 mAh Power Bank'
  await page.goto(`${base}/products/${id}`)
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await cartLink(1).waitFor()
  await page.goto(`${base}/checkout`)
  await fillAddress({ name: 'Ravi Kumar', phone: '+91 98300 12345', email: 'ravi@example.in', line1: '4 Park Street', pin: '700016',
    city: 'Kolkata', state: 'West Bengal' })
  await eventually(async () => assert.match(await page.getByRole('button', { name: /Place order/ }).innerText(), /₹1,799/))

  // The last unit goes while the shopper is filling in the form.
  await admin('PUT', `/api/admin/products/${id}/stock`, { stock: 0 })
  await page.getByRole('button', { name: /Place order/ }).click()
  const alert = page.getByRole('alert').filter({ hasText: 'Some items sold out' })
  await alert.waitFor()
  assert.match(await alert.innerText(), new RegExp(`${name}: sold out`))
  assert.equal(page.url(), `${base}/checkout`)
  await check('checkout-sold-out')
  // Orders belong to the account signed in in this browser, so ask as the browser.
  const orders = await (await page.request.get(`${base}/api/orders`)).json()
  assert.equal(orders.orders.length, 1, 'the sold-out checkout must not create an order')

  await catalogShows(id, (p) => p.stock === 0)
  await page.goto(base + '/')
  const card = page.getByRole('article', { name })
  assert.equal(await card.getByRole('button', { name: /Sold out/ }).isDisabled(), true)
  // Sold out goes after every deal that can be bought.
  await eventually(async () => assert.equal((await page.getByRole('article').locator('h3').allInnerTexts()).at(-1), name))

  await page.goto(`${base}/products/${id}`)
  assert.equal(await page.getByRole('button', { name: 'Sold out' }).isDisabled(), true)

  await page.goto(`${base}/cart`)
  const line = page.getByRole('listitem', { name })
  await eventually(async () => assert.match(await line.innerText(), /Sold out/))
  // No stale quantity on a line that cannot be bought.
  assert.equal(await line.getByRole('combobox').count(), 0)
  assert.equal(await page.getByRole('button', { name: 'Proceed to checkout' }).first().isDisabled(), true)
  await check('cart-sold-out')
  await line.getByRole('button', { name: `Remove ${name}` }).click()
})

test('an account on two devices: sign out, sign in on another, the same orders and the same limits', async () => {
  // Device one: who is signed in, then sign out.
  await page.goto(base + '/')
  await header().getByRole('button', { name: 'Asha, your account' }).click()
  await page.getByText(ASHA.email).waitFor()
  await check('account-menu')
  await page.getByRole('button', { name: 'Sign out' }).click()
  await header().getByRole('link', { name: 'Sign in' }).waitFor()
  // Signed out, orders are nobody's here: the page asks to sign in, the API refuses.
  await page.goto(base + '/orders')
  await page.waitForURL('**/signin?next=%2Forders')
  const refused = await page.request.get(`${base}/api/orders`)
  assert.equal(refused.status(), 401)
  assert.equal((await refused.json()).error.code, 'signin_required')

  // Device two: another browser, a guest who puts a laptop in the cart.
  const ctx = await browser.newContext({ viewport: DESKTOP, locale: 'en-IN', timezoneId: 'Asia/Kolkata' })
  ctx.setDefaultTimeout(STEP_TIMEOUT)
  const first = page
  page = await ctx.newPage()
  watch(page)
  try {
    await page.goto(`${base}/products/dell-inspiron-15`)
    await page.getByText('Limit 2 per shopper. Sign in to see how many you can still buy.').waitFor()
    await page.getByRole('button', { name: 'Add to cart' }).click()
    await cartLink(1).waitFor()

    // The email has an account already: registering again says so and leads to signing in.
    await page.goto(`${base}/register`)
    await register(ASHA)
    await page.getByRole('alert').filter({ hasText: 'This email already has an account' }).waitFor()
    await check('register-conflict')
    await page.getByRole('link', { name: `Sign in with ${ASHA.email}` }).click()
    await page.waitForURL('**/signin')
    assert.equal(await field('Email').inputValue(), ASHA.email)

    // Checkout sends the guest to sign in; a wrong password is refused.
    await cartLink(1).click()
    await page.getByRole('link', { name: 'Proceed to checkout' }).first().click()
    await page.waitForURL('**/signin?next=%2Fcheckout')
    await signIn({ email: ASHA.email, password: 'not the password' })
    await page.getByRole('alert').filter({ hasText: 'That email and password do not match' }).waitFor()
    await check('signin-wrong-password')
    await signIn(ASHA)
    await page.waitForURL('**/checkout')

    // Both laptops the account may buy were bought on device one: the
    // guest's cart cannot be placed, before any order is attempted.
    await page.getByText('Some items in your cart cannot be bought right now.').waitFor()
    assert.equal(await page.getByRole('button', { name: /Place order/ }).isDisabled(), true)
    await check('checkout-over-limit')
    await page.getByRole('link', { name: 'Review your cart' }).click()
    await page.getByText('You have bought the most you can of this deal').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Proceed to checkout' }).first().isDisabled(), true)
    await page.getByRole('button', { name: 'Update my cart to what is left' }).click()
    await page.getByText('Your cart is empty').waitFor()

    // The same orders as on device one.
    await header().getByRole('link', { name: 'Orders' }).click()
    await page.waitForURL('**/orders')
    await page.getByText(`Every order placed with ${ASHA.email}, on any device.`).waitFor()
    const link = page.getByRole('link', { name: new RegExp(`Order ${orderId}`) })
    await link.waitFor()
    assert.match(await link.innerText(), /₹1,11,099/)
    const orders = await (await page.request.get(`${base}/api/orders`)).json()
    assert.deepEqual(orders.orders.map((o) => o.id), [orderId])
    await check('orders-second-device')

    // What is left of a cap follows the account: one of five earbuds was bought on device one.
    await page.goto(`${base}/products/boat-airdopes-141`)
    await page.getByText('Limit 5 per shopper. You have bought 1. You can buy 4 more.').waitFor()
    await eventually(async () =>
      assert.deepEqual(await page.getByRole('combobox', { name: 'Quantity' }).locator('option').allInnerTexts(), ['1', '2', '3', '4']),
    )
    await page.getByRole('combobox', { name: 'Quantity' }).selectOption('4')
    await page.getByRole('button', { name: 'Add to cart' }).click()
    await cartLink(4).click()
    const line = page.getByRole('listitem', { name: 'boAt Airdopes 141' })
    await line.getByText('Limit 5 per shopper. You have bought 1; you can buy 4 more.').waitFor()
    // The quantity offered stops at 4.
    await eventually(async () =>
      assert.deepEqual(await line.getByRole('combobox').locator('option:not([disabled])').allInnerTexts(), ['1', '2', '3', '4']),
    )
    await check('cart-allowance')
    await line.getByRole('button', { name: 'Remove boAt Airdopes 141' }).click()

    // Guessing passwords is cut short (5 a minute per account): 429, said plainly, the button paused.
    await header().getByRole('button', { name: 'Asha, your account' }).click()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await header().getByRole('link', { name: 'Sign in' }).click()
    await page.waitForURL('**/signin**')
    const guess = { email: 'nobody@example.in', password: 'a wrong guess' }
    const alert = page.getByRole('alert')
    let said = ''
    for (let i = 0; i < 8 && !said.includes('Too many attempts'); i++) {
      await signIn(guess)
      // Submitting clears the last alert: this waits for the answer to this attempt.
      said = await alert.innerText()
      assert.match(said, /do not match|Too many attempts/)
    }
    assert.match(said, /Too many attempts[\s\S]*Try again in \d+ seconds?\./)
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).isDisabled(), true)
    await check('signin-rate-limited')
  } finally {
    await ctx.close()
    page = first
  }
})

test('version page shows the live deployment colour', async () => {
  await page.goto(`${base}/version`)
  const badge = page.getByTestId('color-badge')
  await badge.waitFor()
  assert.equal((await badge.innerText()).trim(), COLOR)
  assert.equal(await page.getByTestId('version').innerText(), VERSION)
  await check('version')
})

test('health page reports the service healthy', async () => {
  await page.goto(`${base}/health`)
  await page.getByText('All systems operational').waitFor()
  assert.equal(await page.getByTestId('health-status').innerText(), 'ok')
  await check('health')
})

test('when the server stops mid-flow: the shell stays, stale data is marked, and the shop recovers by itself', async () => {
  // A fresh browser and shopper: nothing but what this visit loaded is cached.
  const ctx = await browser.newContext({ viewport: DESKTOP, locale: 'en-IN' })
  ctx.setDefaultTimeout(STEP_TIMEOUT)
  const main = page
  page = await ctx.newPage()
  watch(page)
  const ravi = { name: 'Ravi Kumar', phone: '98300 12345', email: 'ravi@example.in', line1: '4 Park Street', pin: '700016',
    city: 'Kolkata', state: 'West Bengal' }
  try {
    // A new shopper: the orders page asks them to sign in; they register and come back.
    await page.goto(base + '/orders')
    await page.waitForURL('**/signin?next=%2Forders')
    await page.getByRole('link', { name: 'Create an account' }).click()
    await register({ name: ravi.name, email: ravi.email, password: 'howrah bridge at dawn' })
    await page.waitForURL('**/orders')
    await page.getByText('No orders yet').waitFor()
    await check('orders-empty')
    await page.goto(base + '/orders/FS-NOSUCHORDER')
    await page.getByRole('heading', { level: 1, name: 'Order not found' }).waitFor()
    await check('order-not-found')

    await page.goto(base + '/')
    await page.getByRole('button', { name: 'Add to cart: boAt Airdopes 141' }).click()
    await cartLink(1).click()
    await page.waitForURL('**/cart')
    await eventually(async () => assert.equal(await page.getByTestId('cart-total').innerText(), '₹1,099'))
    await page.getByRole('link', { name: 'Proceed to checkout' }).first().click()
    await page.waitForURL('**/checkout')
    await fillAddress(ravi)
    await eventually(async () => assert.match(await page.getByRole('button', { name: /Place order/ }).innerText(), /₹1,099/))

    await stopServer()

    // The order may or may not have gone through: one button sends the same attempt again.
    await page.getByRole('button', { name: /Place order/ }).click()
    await page.getByRole('alert').filter({ hasText: 'We could not reach the shop' }).waitFor()
    assert.equal(await page.getByRole('button', { name: /Try again/ }).count(), 1)
    await check('outage-checkout')

    // The open catalog cannot refresh: it says so and stops selling.
    await page.getByRole('link', { name: 'FlashScale' }).click()
    await page.getByText(/Stock and prices shown may be out of date/).waitFor({ timeout: 30_000 })
    await eventually(async () => assert.equal(await page.getByRole('button', { name: 'Add to cart: Dell Inspiron 15 Laptop' }).isDisabled(), true))
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await cartLink(1).waitFor()
    await check('outage-home')

    // The cart stays, as last seen.
    await cartLink(1).click()
    await page.getByText('Connection problem: prices may have changed.').waitFor({ timeout: 30_000 })
    await page.getByRole('listitem', { name: 'boAt Airdopes 141' }).waitFor()
    assert.equal(await page.getByRole('alert').count(), 0)
    await check('outage-cart')

    // A page whose code was never fetched: a connection problem in the shell, not a bare error page.
    await page.getByRole('link', { name: 'Version' }).click()
    await page.getByRole('heading', { level: 1, name: 'This page could not be loaded' }).waitFor()
    await page.getByText('Connection problem').first().waitFor()
    await cartLink(1).waitFor()
    await check('outage-page')

    // The server comes back: the page loads by itself, buying comes back.
    await startServer()
    await page.getByTestId('color-badge').waitFor({ timeout: 30_000 })
    await page.getByRole('link', { name: 'FlashScale' }).click()
    await eventually(
      async () => assert.equal(await page.getByRole('button', { name: 'Add to cart: Dell Inspiron 15 Laptop' }).isDisabled(), false),
      30_000,
    )
    assert.equal(await page.getByText(/Stock and prices shown may be out of date/).count(), 0)

    // The checkout attempt kept its key: placing it now makes exactly one order.
    await cartLink(1).click()
    await page.getByRole('link', { name: 'Proceed to checkout' }).first().click()
    await fillAddress(ravi)
    await page.getByRole('button', { name: /Place order/ }).click()
    await page.getByRole('heading', { name: 'Thank you, Ravi! Your order is placed.' }).waitFor()
    const orders = await (await page.request.get(`${base}/api/orders`)).json()
    assert.equal(orders.orders.length, 1)
  } finally {
    await ctx.close()
    page = main
  }
})

test('no script errors or Content-Security-Policy violations', () => {
  assert.deepEqual(pageErrors, [])
})
