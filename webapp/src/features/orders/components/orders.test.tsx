import { screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { renderApp } from '@/testing/render'
import { laptop, orderFor } from '@/testing/fixtures'
import { server } from '@/testing/server'
import type { Order } from '@/types/api'

const order = (id: string) => orderFor(id, [{ productId: laptop.id, quantity: 1 }])

describe('orders page', () => {
  it('lists orders and follows nextCursor for more', async () => {
    const cursors: (string | null)[] = []
    server.use(
      http.get('*/api/orders', ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor')
        cursors.push(cursor)
        return cursor === null
          ? HttpResponse.json({ orders: [order('FS-AAAA'), order('FS-BBBB')], nextCursor: '41' })
          : HttpResponse.json({ orders: [order('FS-CCCC')] })
      }),
    )
    const { user } = renderApp('/orders')
    expect(await screen.findByRole('link', { name: /Order FS-AAAA/ })).toHaveAttribute('href', '/orders/FS-AAAA')
    expect(screen.getByRole('link', { name: /Order FS-BBBB/ })).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Load more orders' }))
    expect(await screen.findByRole('link', { name: /Order FS-CCCC/ })).toBeInTheDocument()
    expect(cursors).toEqual([null, '41'])
    expect(screen.queryByRole('button', { name: 'Load more orders' })).not.toBeInTheDocument()
  })

  it('says so when there are none', async () => {
    server.use(http.get('*/api/orders', () => HttpResponse.json({ orders: [] })))
    renderApp('/orders')
    expect(await screen.findByText('No orders yet')).toBeInTheDocument()
  })
})

describe('order tracking', () => {
  it('shows the timeline from history and refreshes while open', { timeout: 15_000 }, async () => {
    let current: Order = order('FS-TRACK')
    server.use(http.get('*/api/orders/:id', () => HttpResponse.json({ order: current })))
    renderApp('/orders/FS-TRACK')

    const progress = await screen.findByRole('list', { name: 'Order progress' })
    const steps = () => within(progress).getAllByRole('listitem')
    expect(steps().map((s) => s.querySelector('span > span')?.textContent)).toEqual([
      'Processing (done)',
      'Shipped (pending)',
      'Out for Delivery (pending)',
      'Delivered (pending)',
    ])
    expect(steps()[0]).toHaveAttribute('aria-current', 'step')

    current = {
      ...current,
      status: 'Shipped',
      history: [...current.history, { status: 'Shipped', at: '2025-10-01T12:00:00Z' }],
    }
    await waitFor(() => expect(steps()[1]).toHaveAttribute('aria-current', 'step'), { timeout: 8000 })
    expect(steps()[1]).toHaveTextContent('Shipped (done)')
    expect(steps()[0]).not.toHaveAttribute('aria-current')
  })

  it('treats another shopper’s order as not found', async () => {
    server.use(
      http.get('*/api/orders/:id', () => HttpResponse.json({ error: { code: 'not_found', message: 'Order not found.' } }, { status: 404 })),
    )
    renderApp('/orders/FS-NOPE')
    expect(await screen.findByText('Order not found')).toBeInTheDocument()
  })
})

describe('confirmation', () => {
  it('shows the structured address, the payment method and the expected delivery', async () => {
    server.use(http.get('*/api/orders/:id', () => HttpResponse.json({ order: order('FS-CONF') })))
    renderApp('/orders/FS-CONF/confirmation')
    expect(await screen.findByRole('heading', { level: 1, name: 'Thank you, Asha! Your order is placed.' })).toBeInTheDocument()
    const ship = screen.getByRole('region', { name: 'Delivering to' })
    expect(within(ship).getByText(/12 MG Road\s+Near Trinity Metro\s+Bengaluru, Karnataka 560001/)).toBeInTheDocument()
    expect(within(ship).getByText('Pay on delivery: cash or UPI')).toBeInTheDocument()
    // Placed 1 Oct (a Wednesday) to Bengaluru: 2–3 days.
    expect(within(ship).getByText('Fri, 3 Oct – Sat, 4 Oct')).toBeInTheDocument()
  })

  it('reads an order placed before addresses were structured', async () => {
    const old = order('FS-OLD')
    old.customer = { name: 'Ravi Kumar', email: 'ravi@example.in', phone: '9876543210', address: '4 Park Street, Kolkata 700016' }
    delete old.paymentMethod
    server.use(http.get('*/api/orders/:id', () => HttpResponse.json({ order: old })))
    renderApp('/orders/FS-OLD')
    const ship = await screen.findByRole('region', { name: 'Delivering to' })
    expect(within(ship).getByText(/4 Park Street, Kolkata 700016/)).toBeInTheDocument()
    expect(within(ship).queryByText(/Payment/)).not.toBeInTheDocument()
    expect(within(ship).queryByText(/Expected delivery/)).not.toBeInTheDocument()
  })
})
