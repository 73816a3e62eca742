import { act, screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { renderApp } from '@/testing/render'
import { earbuds, jeans, laptop, listing, powerBank, product } from '@/testing/fixtures'
import { server } from '@/testing/server'
import { createQueryClient } from '@/lib/query-client'
import { INLINE_CATALOG_ID, seedInlineCatalog } from '../api/get-products'
import { FIRST_PAINT } from './product-grid'

/** requests records the product listings the page asks for. */
function requests() {
  const seen: string[] = []
  server.events.on('request:start', ({ request }) => {
    const u = new URL(request.url)
    if (u.pathname === '/api/products') seen.push(u.search)
  })
  return seen
}

const names = () => screen.getAllByRole('article').map((a) => within(a).getByRole('heading', { level: 3 }).textContent)

describe('deals page', () => {
  it('searches on the server and keeps the search in the URL', async () => {
    const seen = requests()
    const { user, router } = renderApp('/')
    await screen.findAllByRole('article')
    await user.type(screen.getByRole('searchbox', { name: 'Search deals' }), '  Airdopes ')
    await user.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText('1 deal for “Airdopes”')).toBeInTheDocument()
    expect(names()).toEqual([earbuds.name])
    expect(router.state.location.search).toBe('?q=Airdopes')
    expect(seen).toContain('?q=Airdopes')
    expect(document.title).toBe('“Airdopes” – Deals – FlashScale')
    server.events.removeAllListeners()
  })

  it('filters by category with chips that show counts, and the back button undoes it', async () => {
    const seen = requests()
    const { user, router } = renderApp('/')
    await screen.findAllByRole('article')
    const chips = screen.getByRole('navigation', { name: 'Categories' })
    expect(within(chips).getByRole('link', { name: 'All 4 deals' })).toHaveAttribute('aria-current', 'true')
    await user.click(within(chips).getByRole('link', { name: 'Fashion 1 deal' }))
    expect(await screen.findByText('1 deal in Fashion')).toBeInTheDocument()
    expect(names()).toEqual([jeans.name])
    expect(within(chips).getByRole('link', { name: 'Fashion 1 deal' })).toHaveAttribute('aria-current', 'true')
    expect(seen).toContain('?category=fashion')

    await act(() => router.navigate(-1))
    expect(await screen.findByText('4 deals')).toBeInTheDocument()
    expect(router.state.location.search).toBe('')
    server.events.removeAllListeners()
  })

  it('sorts by price and by discount', async () => {
    const seen = requests()
    server.use(
      http.get('*/api/products', ({ request }) => {
        const sort = new URL(request.url).searchParams.get('sort')
        const l = listing()
        if (sort === 'price_asc') l.products = [earbuds, jeans, laptop, powerBank]
        return HttpResponse.json(l)
      }),
    )
    const { user, router } = renderApp('/')
    await screen.findAllByRole('article')
    await user.selectOptions(screen.getByRole('combobox', { name: 'Sort by' }), 'Price: low to high')
    expect(await screen.findByText('4 deals, price: low to high')).toBeInTheDocument()
    expect(router.state.location.search).toBe('?sort=price_asc')
    expect(names()[0]).toBe(earbuds.name)
    await user.selectOptions(screen.getByRole('combobox', { name: 'Sort by' }), 'Biggest discount')
    await waitFor(() => expect(seen).toContain('?sort=discount'))
    server.events.removeAllListeners()
  })

  it('opens a shared link on the view it names', async () => {
    renderApp('/?q=jeans&category=fashion&sort=nonsense')
    expect(await screen.findByText('1 deal for “jeans” in Fashion')).toBeInTheDocument()
    expect(screen.getByRole('searchbox', { name: 'Search deals' })).toHaveValue('jeans')
    // An unknown sort falls back to the default rather than failing.
    expect(screen.getByRole('combobox', { name: 'Sort by' })).toHaveValue('featured')
  })

  it('says when nothing matches and offers a way back', async () => {
    const { user } = renderApp('/?q=unicorn')
    expect(await screen.findByText('No deals match “unicorn”')).toBeInTheDocument()
    expect(screen.getByText('0 deals for “unicorn”')).toBeInTheDocument()
    await user.click(screen.getByRole('link', { name: 'See all deals' }))
    expect(await screen.findByText('4 deals')).toBeInTheDocument()
  })

  it('lists what can be bought first, with no request beyond the catalog', async () => {
    const seen = requests()
    renderApp('/')
    await screen.findAllByRole('article')
    // The power bank is sold out: it goes after every buyable deal.
    expect(names()).toEqual([laptop.name, earbuds.name, jeans.name, powerBank.name])
    expect(seen).toEqual([''])
    server.events.removeAllListeners()
  })

  it('paints the first cards first and the rest right after', async () => {
    const many = Array.from({ length: 20 }, (_, i) => product({ id: `p${i}`, name: `Product ${i}` }))
    const client = createQueryClient()
    client.setQueryData(['products', 'catalog'], listing(many))
    renderApp('/', { client })
    expect(screen.getAllByRole('article')).toHaveLength(FIRST_PAINT)
    await waitFor(() => expect(screen.getAllByRole('article')).toHaveLength(20))
  })

  it('renders the catalog the page carries without asking for it', () => {
    const seen = requests()
    const el = document.createElement('script')
    el.id = INLINE_CATALOG_ID
    el.type = 'application/json'
    el.textContent = JSON.stringify(listing([jeans]))
    document.body.append(el)
    const client = createQueryClient()
    expect(seedInlineCatalog(client)).toBe(true)
    expect(document.getElementById(INLINE_CATALOG_ID)).toBeNull()
    renderApp('/', { client })
    // Rendered at once from the page, before any request could answer.
    expect(screen.getByRole('article', { name: jeans.name })).toBeInTheDocument()
    expect(seen).toEqual([])
    server.events.removeAllListeners()
  })

  it('ignores an inline catalog it cannot read', () => {
    const el = document.createElement('script')
    el.id = INLINE_CATALOG_ID
    el.type = 'application/json'
    el.textContent = '{"products": nope'
    document.body.append(el)
    expect(seedInlineCatalog(createQueryClient())).toBe(false)
  })
})

describe('deals page without a connection', () => {
  it('says the stock may be stale and pauses buying until a refresh succeeds', { timeout: 30_000 }, async () => {
    let up = true
    server.use(http.get('*/api/products', () => (up ? HttpResponse.json(listing()) : HttpResponse.error())))
    const { client } = renderApp('/', { retry: true })
    const card = await screen.findByRole('article', { name: laptop.name })
    expect(within(card).getByRole('button', { name: /Add to cart/ })).toBeEnabled()

    up = false
    void client.invalidateQueries({ queryKey: ['products'] })
    expect(await screen.findByText(/Stock and prices shown may be out of date/, {}, { timeout: 8000 })).toBeInTheDocument()
    expect(within(card).getByRole('button', { name: /Add to cart/ })).toBeDisabled()
    // The shell stays: header, navigation, cart count.
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Cart 0 items' })).toBeInTheDocument()

    up = true
    await waitFor(() => expect(within(card).getByRole('button', { name: /Add to cart/ })).toBeEnabled(), { timeout: 15_000 })
    expect(screen.queryByText(/Stock and prices shown may be out of date/)).not.toBeInTheDocument()
  })

  it('says a first load failed for the connection, and retries by itself', { timeout: 30_000 }, async () => {
    let calls = 0
    server.use(
      http.get('*/api/products', () => {
        calls++
        return calls < 3 ? HttpResponse.error() : HttpResponse.json(listing())
      }),
    )
    renderApp('/', { retry: true })
    expect(await screen.findByText('Connection problem')).toBeInTheDocument()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
    // Nobody presses anything.
    expect(await screen.findByRole('article', { name: laptop.name }, { timeout: 15_000 })).toBeInTheDocument()
    expect(calls).toBe(3)
  })
})
