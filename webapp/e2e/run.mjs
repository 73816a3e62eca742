// End-to-end tests of the web shop in real headless Chromium against the
// real flashscale binary on a fresh SQLite store. Run with `npm run e2e`
// (node --test); FLASHSCALE_BIN names the binary (default ../bin/flashscale,
// built by `make build`), CHROMIUM_PATH the browser (default
// /usr/bin/chromium). Screenshots of the main pages land in e2e/artifacts/
// together with the server's log.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
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
// The service insists on admin tokens of at least 16 characters.
const ADMIN_TOKEN = 'e2e-admin-token-not-secret'
const COLOR = 'green'
const VERSION = 'e2e-1.2.3'
const STEP_TIMEOUT = 15_000

let server
let dataDir
let base
let browser
let page
/** Console errors and uncaught exceptions: a CSP violation shows up here. */
const pageErrors = []
let orderId

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

/** catalogShows waits for the in-memory catalog (≤1 s stale) to catch up. */
async function catalogShows(id, check) {
  await eventually(async () => {
    const { json } = await api('GET', '/api/products')
    const p = json.products.find((x) => x.id === id)
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

async function shot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })
}

const cartLink = (n) => page.getByRole('link', { name: `Cart, ${n} ${n === 1 ? 'item' : 'items'}` })

/** serverTail keeps the server's last output for error messages. */
let serverTail = ''

async function waitReady(proc) {
  let exited = null
  proc.once('exit', (code, signal) => (exited = { code, signal }))
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) throw new Error(`flashscale exited early (${JSON.stringify(exited)}):\n${serverTail}`)
    const res = await fetch(`${base}/readyz`).catch(() => null)
    if (res?.status === 200) return
    if (Date.now() > deadline) throw new Error(`flashscale not ready after 30 s:\n${serverTail}`)
    await sleep(100)
  }
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
  const env = { ...process.env }
  delete env.DATABASE_URL // always the embedded SQLite store
  Object.assign(env, {
    PORT: String(port),
    FLASHSCALE_DATA_DIR: dataDir,
    DEPLOY_COLOR: COLOR,
    APP_VERSION: VERSION,
    FLASHSCALE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLASHSCALE_LOG_FORMAT: 'text',
    FLASHSCALE_ACCESS_LOG: 'all',
  })
  const log = createWriteStream(path.join(ARTIFACTS, 'server.log'))
  server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const stream of [server.stdout, server.stderr]) {
    stream.pipe(log)
    stream.on('data', (chunk) => (serverTail = (serverTail + chunk).slice(-4000)))
  }
  await waitReady(server)

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-IN' })
  context.setDefaultTimeout(STEP_TIMEOUT)
  page = await context.newPage()
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    // Chromium logs every 4xx/5xx response as an error; the shop causes
    // some on purpose (409 sold out). Anything else is a real problem.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${msg.text()}`)
  })
})

after(async () => {
  await browser?.close().catch(() => {})
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((r) => server.once('exit', r))
    server.kill('SIGTERM')
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

// ------------------------------------------------------------------ tests

test('home page shows the catalog, prices and a live sale countdown', async () => {
  const hour = 3_600_000
  // One deal ends in two hours (the banner counts down to it), one has not started.
  await admin('PUT', '/api/admin/products/sony-wh-1000xm5/sale', { saleEndsAt: new Date(Date.now() + 2 * hour).toISOString() })
  await admin('PUT', '/api/admin/products/prestige-induction-cooktop/sale', {
    saleStartsAt: new Date(Date.now() + 5 * hour).toISOString(),
    saleEndsAt: new Date(Date.now() + 29 * hour).toISOString(),
  })
  await catalogShows('prestige-induction-cooktop', (p) => Boolean(p.saleStartsAt))

  await page.goto(base + '/')
  const laptop = page.getByRole('article', { name: 'Dell Inspiron 15 Laptop' })
  await laptop.waitFor()
  const text = await laptop.innerText()
  assert.match(text, /₹55,000/)
  assert.match(text, /₹65,000/)
  assert.match(text, /15% off/)
  assert.equal(await page.getByRole('article').count(), 8)

  const timer = page.getByRole('timer')
  const first = await timer.getAttribute('aria-label')
  assert.match(first, /^Ends in 01:5\d:\d\d$/)
  await eventually(async () => assert.notEqual(await timer.getAttribute('aria-label'), first, 'countdown is not ticking'))

  const cooktop = page.getByRole('article', { name: 'Prestige Induction Cooktop' })
  assert.equal(await cooktop.getByRole('button', { name: /Coming soon/ }).isDisabled(), true)
  // The seed images are the shop's own SVGs and must load.
  const broken = await page.$$eval('img', (imgs) => imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src))
  assert.deepEqual(broken, [])
  await shot('home')
})

test('product page: pick a quantity within the limit and add to the cart', async () => {
  await page.getByRole('link', { name: 'Dell Inspiron 15 Laptop' }).click()
  await page.waitForURL('**/products/dell-inspiron-15')
  await page.getByRole('heading', { name: 'Dell Inspiron 15 Laptop', level: 1 }).waitFor()
  const qty = page.getByRole('combobox', { name: 'Quantity' })
  // maxPerShopper is 2 for the laptop.
  assert.deepEqual(await qty.locator('option').allInnerTexts(), ['1', '2'])
  await qty.selectOption('2')
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await cartLink(2).waitFor()
  await shot('product')

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
  await shot('cart')
})

test('checkout validates, places the order and confirms it', async () => {
  await page.getByRole('link', { name: 'Proceed to checkout' }).click()
  await page.waitForURL('**/checkout')
  const place = page.getByRole('button', { name: /Place order/ })
  await place.click()
  await page.getByText('Name is required').waitFor()
  assert.equal(await page.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid'), 'true')

  await page.getByRole('textbox', { name: 'Name' }).fill('Asha Rao')
  await page.getByRole('textbox', { name: 'Email' }).fill('asha@example.in')
  await page.getByRole('textbox', { name: 'Phone' }).fill('+91 98765 43210')
  await page.getByRole('textbox', { name: 'Address' }).fill('12 MG Road, Bengaluru 560001')
  await eventually(async () => assert.match(await place.innerText(), /₹1,11,099/))
  await shot('checkout')
  await place.click()

  await page.waitForURL(/\/orders\/FS-[A-Z0-9]+\/confirmation$/)
  orderId = page.url().match(/\/orders\/(FS-[A-Z0-9]+)\//)[1]
  await page.getByRole('heading', { name: 'Thank you, Asha! Your order is placed.' }).waitFor()
  await cartLink(0).waitFor()
  await shot('confirmation')

  // The order really took stock from the store.
  await catalogShows('dell-inspiron-15', (p) => p.stock === 98)
  await catalogShows('boat-airdopes-141', (p) => p.stock === 999)
})

test('orders page lists the order', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click()
  await page.waitForURL('**/orders')
  const link = page.getByRole('link', { name: new RegExp(`Order ${orderId}`) })
  await link.waitFor()
  assert.match(await link.innerText(), /₹1,11,099/)
  assert.match(await link.innerText(), /Processing/)
  await shot('orders')
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

  // A deep link is served the shop by the binary (SPA fallback).
  await page.reload()
  await eventually(async () => assert.match(await current.innerText(), /\bOut for Delivery\b/))
  await shot('tracking')
})

test('a sold-out product cannot be bought', async () => {
  const id = 'mi-power-bank-20k'
  const name = 'Mi 20000 mAh Power Bank'
  await page.goto(`${base}/products/${id}`)
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await cartLink(1).waitFor()
  await page.goto(`${base}/checkout`)
  await page.getByRole('textbox', { name: 'Name' }).fill('Ravi Kumar')
  await page.getByRole('textbox', { name: 'Email' }).fill('ravi@example.in')
  await page.getByRole('textbox', { name: 'Phone' }).fill('9876543210')
  await page.getByRole('textbox', { name: 'Address' }).fill('4 Park Street, Kolkata 700016')
  await eventually(async () => assert.match(await page.getByRole('button', { name: /Place order/ }).innerText(), /₹1,799/))

  // The last unit goes while the shopper is filling in the form.
  await admin('PUT', `/api/admin/products/${id}/stock`, { stock: 0 })
  await page.getByRole('button', { name: /Place order/ }).click()
  const alert = page.getByRole('alert').filter({ hasText: 'Some items sold out' })
  await alert.waitFor()
  assert.match(await alert.innerText(), new RegExp(`${name}: sold out`))
  assert.equal(page.url(), `${base}/checkout`)
  // Orders belong to the browser's shopper cookie, so ask as the browser.
  const orders = await (await page.request.get(`${base}/api/orders`)).json()
  assert.equal(orders.orders.length, 1, 'the sold-out checkout must not create an order')

  await catalogShows(id, (p) => p.stock === 0)
  await page.goto(base + '/')
  const card = page.getByRole('article', { name })
  assert.equal(await card.getByRole('button', { name: /Sold out/ }).isDisabled(), true)
  await shot('home-sold-out')

  await page.goto(`${base}/products/${id}`)
  assert.equal(await page.getByRole('button', { name: 'Sold out' }).isDisabled(), true)

  await page.goto(`${base}/cart`)
  const line = page.getByRole('listitem', { name })
  await eventually(async () => assert.match(await line.innerText(), /Sold out/))
  assert.equal(await page.getByRole('button', { name: 'Proceed to checkout' }).isDisabled(), true)
  await shot('cart-sold-out')
})

test('version page shows the live deployment colour', async () => {
  await page.goto(`${base}/version`)
  const badge = page.getByTestId('color-badge')
  await badge.waitFor()
  assert.equal((await badge.innerText()).trim(), COLOR)
  assert.equal(await page.getByTestId('version').innerText(), VERSION)
  await shot('version')
})

test('health page reports the service healthy', async () => {
  await page.goto(`${base}/health`)
  await page.getByText('All systems operational').waitFor()
  assert.equal(await page.getByTestId('health-status').innerText(), 'ok')
})

test('layout fits a phone screen', async () => {
  await page.setViewportSize({ width: 375, height: 812 })
  await page.goto(base + '/')
  await page.getByRole('article', { name: 'Dell Inspiron 15 Laptop' }).waitFor()
  await shot('home-phone')
  assert.deepEqual(await overflowing(), [], 'home page is wider than a phone screen')
  await page.goto(`${base}/orders/${orderId}`)
  await page.getByRole('list', { name: 'Order progress' }).waitFor()
  assert.deepEqual(await overflowing(), [], 'tracking page is wider than a phone screen')
  await shot('tracking-phone')
})

test('no script errors or Content-Security-Policy violations', () => {
  assert.deepEqual(pageErrors, [])
})
