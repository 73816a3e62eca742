import { screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { renderApp } from '@/testing/render'
import { earbuds, laptop, powerBank, product, quoteFor } from '@/testing/fixtures'
import { quoteAfter, server } from '@/testing/server'
import type { LineRequest } from '@/types/api'
import { CART_STORAGE_KEY, cartStore } from '../store'

describe('cart', () => {
  it('adds from the product page with the chosen quantity, bounded by the per-shopper limit', async () => {
    const { user } = renderApp(`/products/${laptop.id}`)
    const qty = await screen.findByRole('combobox', { name: 'Quantity' })
    // maxPerShopper 2 < stock 100 < 10: only 1 and 2 can be chosen.
    await waitFor(() => expect(within(qty).getAllByRole('option').map((o) => o.textContent)).toEqual(['1', '2']))
    await user.selectOptions(qty, '2')
    await user.click(screen.getByRole('button', { name: 'Add to cart' }))
    expect(await screen.findByRole('link', { name: 'Cart 2 items' })).toBeInTheDocument()
    expect(screen.getByText(/Added to cart/)).toBeInTheDocument()
    expect(cartStore.getSnapshot()).toEqual([{ productId: laptop.id, quantity: 2, name: laptop.name, unitPrice: laptop.price, imageUrl: laptop.imageUrl }])
    // The limit is reached: nothing more can be added.
    expect(await screen.findByRole('button', { name: 'Limit reached' })).toBeDisabled()
    expect(screen.getByText(/Limit 2 per shopper\. 2 in your cart\. You cannot add more/)).toBeInTheDocument()
  })

  it('never offers more than the shopper may still buy', async () => {
    // One of the laptop's two already bought, in an earlier order.
    server.use(http.get('*/api/products/:id', () => HttpResponse.json({ product: { ...laptop, remainingForShopper: 1 } })))
    const { user } = renderApp(`/products/${laptop.id}`)
    expect(await screen.findByText('Limit 2 per shopper. You have bought 1. You can buy 1 more.')).toBeInTheDocument()
    const qty = screen.getByRole('combobox', { name: 'Quantity' })
    expect(within(qty).getAllByRole('option').map((o) => o.textContent)).toEqual(['1'])
    await user.click(screen.getByRole('button', { name: 'Add to cart' }))
    expect(cartStore.getSnapshot()[0]).toMatchObject({ productId: laptop.id, quantity: 1 })
    expect(screen.getByRole('button', { name: 'Limit reached' })).toBeDisabled()
  })

  it('prices the cart on the server and re-prices when a quantity changes', async () => {
    const quoted: unknown[] = []
    server.events.on('request:start', ({ request }) => {
      if (request.url.endsWith('/api/cart/quote')) void request.clone().json().then((b) => quoted.push(b))
    })
    cartStore.add(earbuds.id, 1, 10, earbuds)
    const { user } = renderApp('/cart')
    const total = await screen.findByTestId('cart-total')
    expect(total).toHaveTextContent('₹1,099')
    await user.selectOptions(screen.getByRole('combobox', { name: `Quantity of ${earbuds.name}` }), '3')
    await waitFor(() => expect(screen.getByTestId('cart-total')).toHaveTextContent('₹3,297'))
    // Only products and quantities go to the server, never the remembered name or price.
    expect(quoted).toContainEqual({ items: [{ productId: earbuds.id, quantity: 3 }] })
    server.events.removeAllListeners()
  })

  it('removes a line and shows the empty cart', async () => {
    cartStore.add(laptop.id, 1)
    const { user } = renderApp('/cart')
    await user.click(await screen.findByRole('button', { name: `Remove ${laptop.name}` }))
    expect(await screen.findByText('Your cart is empty')).toBeInTheDocument()
    expect(window.localStorage.getItem(CART_STORAGE_KEY)).toBe('[]')
  })

  it('keeps the cart across a reload', async () => {
    const first = renderApp(`/products/${earbuds.id}`)
    await first.user.click(await screen.findByRole('button', { name: 'Add to cart' }))
    first.unmount()
    // A new page load: module state is re-read from storage.
    cartStore.reload()
    renderApp('/cart')
    expect(await screen.findByRole('listitem', { name: earbuds.name })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Cart 1 item' })).toBeInTheDocument()
  })

  it('shows lines the server marks unavailable, with the reason, and blocks checkout', async () => {
    cartStore.add(powerBank.id, 1)
    cartStore.add(earbuds.id, 9)
    const { user } = renderApp('/cart')
    const sold = await screen.findByRole('listitem', { name: powerBank.name })
    expect(within(sold).getByText('Sold out')).toBeInTheDocument()
    // A line that cannot be bought shows no quantity: it would be a stale promise.
    expect(within(sold).queryByRole('combobox')).not.toBeInTheDocument()
    const short = screen.getByRole('listitem', { name: earbuds.name })
    expect(within(short).getByText(/Only 7 left/)).toBeInTheDocument()
    expect(screen.getAllByRole('button', { name: 'Proceed to checkout' })[0]).toBeDisabled()

    // 7 are left, but the shopper may buy at most 5 of them.
    await user.click(screen.getByRole('button', { name: 'Update my cart to what is left' }))
    await waitFor(() => expect(cartStore.getSnapshot()).toEqual([{ productId: earbuds.id, quantity: 5 }]))
    expect((await screen.findAllByRole('link', { name: 'Proceed to checkout' })).length).toBeGreaterThan(0)
  })

  it('says how many more a capped deal allows and lowers the line to that', async () => {
    server.use(quoteAfter({ [earbuds.id]: 3 }))
    cartStore.add(earbuds.id, 4)
    const { user } = renderApp('/cart')
    const line = await screen.findByRole('listitem', { name: earbuds.name })
    expect(await within(line).findByText('You can buy 2 more of this deal – lower the quantity')).toBeInTheDocument()
    // The quantity offered stops at what checkout would accept.
    expect(within(line).getAllByRole('option').filter((o) => !(o as HTMLOptionElement).disabled).map((o) => o.textContent)).toEqual(['1', '2'])
    await user.click(screen.getByRole('button', { name: 'Update my cart to what is left' }))
    await waitFor(() => expect(cartStore.getSnapshot()).toEqual([{ productId: earbuds.id, quantity: 2 }]))
  })

  it('tells an upcoming deal from an ended one', async () => {
    const soon = product({ id: 'soon', name: 'Soon Phone', saleStartsAt: new Date(Date.now() + 2 * 3_600_000).toISOString() })
    const gone = product({ id: 'gone', name: 'Gone Phone', saleEndsAt: new Date(Date.now() - 60_000).toISOString() })
    server.use(
      http.get('*/api/products', () => HttpResponse.json({ products: [soon, gone], categories: [] })),
      http.post('*/api/cart/quote', async ({ request }) => {
        const { items } = (await request.json()) as { items: LineRequest[] }
        const q = quoteFor(items, [soon, gone])
        for (const l of q.lines) Object.assign(l, { available: false, reason: 'sale_not_active' })
        return HttpResponse.json({ quote: { ...q, available: false } })
      }),
    )
    cartStore.add('soon', 1)
    cartStore.add('gone', 1)
    renderApp('/cart')
    expect(await within(await screen.findByRole('listitem', { name: 'Soon Phone' })).findByText(/^Coming soon – the deal opens in 0[12]:/)).toBeInTheDocument()
    expect(within(screen.getByRole('listitem', { name: 'Gone Phone' })).getByText('This deal has ended')).toBeInTheDocument()
  })

  it('offers a retry when pricing fails with an answer retrying cannot change', async () => {
    let calls = 0
    server.use(
      http.post('*/api/cart/quote', () => {
        calls++
        return calls === 1
          ? HttpResponse.json({ error: { code: 'invalid', message: 'Cart is invalid.' } }, { status: 422 })
          : HttpResponse.json({ quote: { lines: [], total: 0, currency: 'INR', available: true } })
      }),
    )
    cartStore.add(laptop.id, 1)
    const { user } = renderApp('/cart')
    await user.click(await screen.findByRole('button', { name: 'Try again' }))
    await waitFor(() => expect(calls).toBe(2))
  })

  it('stays visible with "prices may have changed" when the shop cannot be reached', { timeout: 20_000 }, async () => {
    server.use(http.post('*/api/cart/quote', () => HttpResponse.error()))
    cartStore.add(laptop.id, 2, 2, laptop)
    renderApp('/cart', { retry: true })
    expect(await screen.findByText('Connection problem: prices may have changed.')).toBeInTheDocument()
    const line = screen.getByRole('listitem', { name: laptop.name })
    expect(within(line).getByText('Last seen at ₹55,000 each')).toBeInTheDocument()
    expect(screen.getAllByRole('button', { name: 'Proceed to checkout' })[0]).toBeDisabled()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
    // The shell is all there: the cart count comes from this device.
    expect(screen.getByRole('link', { name: 'Cart 2 items' })).toBeInTheDocument()

    // The shop comes back: the cart is priced again without a reload.
    server.resetHandlers()
    await waitFor(() => expect(screen.getByTestId('cart-total')).toHaveTextContent('₹1,10,000'), { timeout: 12_000 })
    await waitFor(() => expect(screen.queryByText('Connection problem: prices may have changed.')).not.toBeInTheDocument())
  })
})

describe('product grid', () => {
  it('shows price, MRP, discount, low stock and a disabled sold-out button', async () => {
    renderApp('/')
    const card = await screen.findByRole('article', { name: earbuds.name })
    expect(within(card).getByText('₹1,099')).toBeInTheDocument()
    expect(within(card).getByText('₹4,490')).toBeInTheDocument()
    expect(within(card).getAllByText('75% off').length).toBeGreaterThan(0)
    expect(within(card).getByText('Only 7 left')).toBeInTheDocument()
    // Product names sit under the "Today's deals" section heading.
    expect(within(card).getByRole('heading', { level: 3, name: earbuds.name })).toBeInTheDocument()

    const sold = screen.getByRole('article', { name: powerBank.name })
    expect(within(sold).getByRole('button', { name: /Sold out/ })).toBeDisabled()
  })

  it('adds one from a card', async () => {
    const { user } = renderApp('/')
    const card = await screen.findByRole('article', { name: laptop.name })
    await user.click(within(card).getByRole('button', { name: /Add to cart/ }))
    expect(within(card).getByRole('status')).toHaveTextContent('Added to cart.')
    expect(screen.getByRole('link', { name: 'Cart 1 item' })).toBeInTheDocument()
  })

  it('says "Coming soon" for a deal that has not started, and will not sell it', async () => {
    const soon = product({ id: 'soon', name: 'Soon Phone', saleStartsAt: new Date(Date.now() + 3_600_000).toISOString() })
    server.use(http.get('*/api/products', () => HttpResponse.json({ products: [soon], categories: [] })))
    renderApp('/')
    const card = await screen.findByRole('article', { name: 'Soon Phone' })
    expect(within(card).getByRole('button', { name: /Coming soon/ })).toBeDisabled()
    expect(within(card).getByText('Coming soon', { selector: 'span' })).toBeInTheDocument()
    expect(within(card).getByText(/^Starts in 0[01]:5\d:\d\d$/)).toBeInTheDocument()
  })

  it('shows each deal its own end time', async () => {
    const ending = product({ id: 'ending', name: 'Ending Phone', saleEndsAt: new Date(Date.now() + 25 * 60_000).toISOString() })
    const later = product({ id: 'later', name: 'Later Phone', saleEndsAt: '2099-10-12T15:30:00Z' })
    server.use(http.get('*/api/products', () => HttpResponse.json({ products: [ending, later], categories: [] })))
    renderApp('/')
    const card = await screen.findByRole('article', { name: 'Ending Phone' })
    expect(within(card).getByText(/^Deal ends in 00:2[45]:\d\d$/)).toBeInTheDocument()
    expect(within(screen.getByRole('article', { name: 'Later Phone' })).getByText(/^Deal ends on 12 Oct, \d{1,2}:\d\d [ap]m$/)).toBeInTheDocument()
  })
})
