import { screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { renderApp } from '@/testing/render'
import { earbuds, laptop, powerBank, product } from '@/testing/fixtures'
import { server } from '@/testing/server'
import { CART_STORAGE_KEY, cartStore } from '../store'

describe('cart', () => {
  it('adds from the product page with the chosen quantity, bounded by the per-shopper limit', async () => {
    const { user } = renderApp(`/products/${laptop.id}`)
    const qty = await screen.findByRole('combobox', { name: 'Quantity' })
    // maxPerShopper 2 < stock 100 < 10: only 1 and 2 can be chosen.
    expect(within(qty).getAllByRole('option').map((o) => o.textContent)).toEqual(['1', '2'])
    await user.selectOptions(qty, '2')
    await user.click(screen.getByRole('button', { name: 'Add to cart' }))
    expect(await screen.findByRole('link', { name: 'Cart, 2 items' })).toBeInTheDocument()
    expect(screen.getByText(/Added to cart/)).toBeInTheDocument()
    expect(cartStore.getSnapshot()).toEqual([{ productId: laptop.id, quantity: 2 }])
  })

  it('prices the cart on the server and re-prices when a quantity changes', async () => {
    const quoted: unknown[] = []
    server.events.on('request:start', ({ request }) => {
      if (request.url.endsWith('/api/cart/quote')) void request.clone().json().then((b) => quoted.push(b))
    })
    cartStore.add(earbuds.id, 1)
    const { user } = renderApp('/cart')
    const total = await screen.findByTestId('cart-total')
    expect(total).toHaveTextContent('₹1,099')
    await user.selectOptions(screen.getByRole('combobox', { name: `Quantity of ${earbuds.name}` }), '3')
    await waitFor(() => expect(screen.getByTestId('cart-total')).toHaveTextContent('₹3,297'))
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
    expect(screen.getByRole('link', { name: 'Cart, 1 item' })).toBeInTheDocument()
  })

  it('shows lines the server marks unavailable, with the reason, and blocks checkout', async () => {
    cartStore.add(powerBank.id, 1)
    cartStore.add(earbuds.id, 9)
    const { user } = renderApp('/cart')
    const sold = await screen.findByRole('listitem', { name: powerBank.name })
    expect(within(sold).getByText('Sold out')).toBeInTheDocument()
    const short = screen.getByRole('listitem', { name: earbuds.name })
    expect(within(short).getByText(/Only 7 left/)).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Proceed to checkout' })).toBeDisabled()

    await user.click(screen.getByRole('button', { name: 'Remove unavailable items' }))
    await waitFor(() => expect(cartStore.getSnapshot()).toEqual([{ productId: earbuds.id, quantity: 7 }]))
    expect(await screen.findByRole('link', { name: 'Proceed to checkout' })).toBeInTheDocument()
  })

  it('offers a retry when pricing fails', async () => {
    let calls = 0
    server.use(
      http.post('*/api/cart/quote', () => {
        calls++
        return calls === 1 ? HttpResponse.error() : HttpResponse.json({ quote: { lines: [], total: 0, currency: 'INR', available: true } })
      }),
    )
    cartStore.add(laptop.id, 1)
    const { user } = renderApp('/cart')
    await user.click(await screen.findByRole('button', { name: 'Try again' }))
    await waitFor(() => expect(calls).toBe(2))
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

    const sold = screen.getByRole('article', { name: powerBank.name })
    expect(within(sold).getByRole('button', { name: /Sold out/ })).toBeDisabled()
  })

  it('adds one from a card', async () => {
    const { user } = renderApp('/')
    const card = await screen.findByRole('article', { name: laptop.name })
    await user.click(within(card).getByRole('button', { name: /Add to cart/ }))
    expect(within(card).getByRole('status')).toHaveTextContent('Added to cart.')
    expect(screen.getByRole('link', { name: 'Cart, 1 item' })).toBeInTheDocument()
  })

  it('will not sell a product before its sale starts', async () => {
    const soon = product({ id: 'soon', name: 'Soon Phone', saleStartsAt: new Date(Date.now() + 3_600_000).toISOString() })
    server.use(http.get('*/api/products', () => HttpResponse.json({ products: [soon] })))
    renderApp('/')
    const card = await screen.findByRole('article', { name: 'Soon Phone' })
    expect(within(card).getByRole('button', { name: /Coming soon/ })).toBeDisabled()
    expect(within(card).getByText(/Sale starts in/)).toBeInTheDocument()
  })
})
