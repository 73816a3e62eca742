import { screen, waitFor, within } from '@testing-library/react'
import { delay, http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { renderApp } from '@/testing/render'
import { customer, earbuds, laptop, orderFor, quoteFor } from '@/testing/fixtures'
import { server } from '@/testing/server'
import type { CheckoutRequest } from '@/types/api'
import { CART_STORAGE_KEY, cartStore } from '@/features/cart/store'

interface Seen {
  key: string | null
  body: CheckoutRequest
  at: number
}

/**
 * scriptCheckout answers POST /api/checkout with the given responses in
 * turn (the last one repeats) and records every request.
 */
function scriptCheckout(...responses: (() => Response | Promise<Response>)[]) {
  const seen: Seen[] = []
  server.use(
    http.post('*/api/checkout', async ({ request }) => {
      seen.push({ key: request.headers.get('Idempotency-Key'), body: (await request.json()) as CheckoutRequest, at: Date.now() })
      const respond = responses[Math.min(seen.length - 1, responses.length - 1)]
      return respond!()
    }),
    http.get('*/api/orders/:id', ({ params }) => HttpResponse.json({ order: orderFor(String(params.id), [{ productId: laptop.id, quantity: 1 }]) })),
  )
  return seen
}

const placed = (id = 'FS-TEST00000001') => () =>
  HttpResponse.json({ order: orderFor(id, [{ productId: laptop.id, quantity: 1 }]) }, { status: 201 })

async function setup(items = [{ productId: laptop.id, quantity: 1 }]) {
  for (const it of items) cartStore.add(it.productId, it.quantity)
  const app = renderApp('/checkout')
  await screen.findByRole('heading', { name: 'Your order' })
  return app
}

async function fillValid(user: ReturnType<typeof renderApp>['user']) {
  await user.type(screen.getByRole('textbox', { name: 'Full name' }), '  Asha Rao ')
  await user.type(screen.getByRole('textbox', { name: 'Mobile number' }), '98765 43210')
  await user.type(screen.getByRole('textbox', { name: 'Email' }), 'asha@example.in')
  await user.type(screen.getByRole('textbox', { name: 'Address line 1' }), '12 MG Road')
  await user.type(screen.getByRole('textbox', { name: 'Address line 2' }), 'Near Trinity Metro')
  await user.type(screen.getByRole('textbox', { name: 'PIN code' }), '560001')
  await user.type(screen.getByRole('textbox', { name: 'City' }), 'Bengaluru')
  await user.selectOptions(screen.getByRole('combobox', { name: 'State' }), 'Karnataka')
}

const submitButton = () => screen.getByRole('button', { name: /Place order|Placing order|Retrying|Try again/ })
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('checkout form', () => {
  it('shows every validation message next to its field and sends nothing', async () => {
    const seen = scriptCheckout(placed())
    const { user } = await setup()
    await user.click(submitButton())

    const name = screen.getByRole('textbox', { name: 'Full name' })
    expect(name).toHaveAccessibleDescription('Full name is required')
    expect(name).toHaveAttribute('aria-invalid', 'true')
    expect(name).toHaveFocus()
    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveAccessibleDescription(/Email is required/)
    expect(screen.getByRole('combobox', { name: 'State' })).toHaveAccessibleDescription('State is required')
    // The second address line is optional.
    expect(screen.getByRole('textbox', { name: 'Address line 2' })).not.toHaveAttribute('aria-invalid')

    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'asha@example')
    await user.type(screen.getByRole('textbox', { name: 'Mobile number' }), '12345')
    await user.type(screen.getByRole('textbox', { name: 'PIN code' }), '5600')
    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveAccessibleDescription(/Email must be a valid email address/)
    expect(screen.getByRole('textbox', { name: 'Mobile number' })).toHaveAccessibleDescription(
      /Mobile number must be a 10-digit mobile number starting with 6, 7, 8 or 9/,
    )
    expect(screen.getByRole('textbox', { name: 'PIN code' })).toHaveAccessibleDescription(/PIN code must be 6 digits, not starting with 0/)

    // A PIN code from another state is caught before the server sees it.
    await user.clear(screen.getByRole('textbox', { name: 'PIN code' }))
    await user.type(screen.getByRole('textbox', { name: 'PIN code' }), '110001')
    await user.selectOptions(screen.getByRole('combobox', { name: 'State' }), 'Kerala')
    expect(screen.getByRole('textbox', { name: 'PIN code' })).toHaveAccessibleDescription(/PIN code is not in Kerala/)
    expect(seen).toHaveLength(0)
  })

  it('offers every state and union territory', async () => {
    await setup()
    const options = within(screen.getByRole('combobox', { name: 'State' })).getAllByRole('option')
    expect(options).toHaveLength(37) // "Choose…" and 36
    expect(options.map((o) => o.textContent)).toEqual(expect.arrayContaining(['Ladakh', 'Tamil Nadu', 'Dadra and Nagar Haveli and Daman and Diu']))
  })

  it('shows the delivery estimate and the payment method before the order is placed', async () => {
    const { user } = await setup()
    expect(screen.getByText('Enter your PIN code and state to see when your order arrives.')).toBeInTheDocument()
    expect(screen.getByRole('heading', { name: 'Payment' })).toBeInTheDocument()
    expect(screen.getByText('Pay on delivery: cash or UPI')).toBeInTheDocument()
    await fillValid(user)
    expect(screen.getByText(/^Delivery \w{3}, \d{1,2} \w{3} – \w{3}, \d{1,2} \w{3}$/)).toBeInTheDocument()
    expect(screen.getByText('(2–3 days)', { exact: false })).toBeInTheDocument()
  })

  it('puts the order summary before the button', async () => {
    await setup()
    // On a phone the page is one column in document order: the shopper
    // reads the total and delivery before reaching "Place order".
    const summary = screen.getByRole('heading', { name: 'Your order' })
    expect(summary.compareDocumentPosition(submitButton()) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
  })

  it('places the order with an Idempotency-Key, clears the cart and shows the confirmation', async () => {
    const seen = scriptCheckout(placed('FS-HAPPY0000001'))
    const { user, router } = await setup()
    await fillValid(user)
    await user.click(submitButton())

    expect(await screen.findByRole('heading', { name: /Your order is placed/ })).toBeInTheDocument()
    expect(screen.getAllByText('FS-HAPPY0000001').length).toBeGreaterThan(0)
    expect(router.state.location.pathname).toBe('/orders/FS-HAPPY0000001/confirmation')
    expect(seen).toHaveLength(1)
    expect(seen[0]!.key).toMatch(UUID)
    expect(seen[0]!.body).toEqual({
      items: [{ productId: laptop.id, quantity: 1 }],
      // What fillValid typed, trimmed; and the one-text address for a
      // server of the previous release, which reads only that.
      customer: { ...customer, address: '12 MG Road\nNear Trinity Metro\nBengaluru, Karnataka 560001' },
      paymentMethod: 'pay_on_delivery',
    })
    expect(window.localStorage.getItem(CART_STORAGE_KEY)).toBe('[]')
    expect(screen.getByRole('link', { name: 'Cart 0 items' })).toBeInTheDocument()
  })

  it('sends one request for a double click, and disables the button while in flight', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const seen = scriptCheckout(async () => {
      await gate
      return placed()()
    })
    const { user } = await setup()
    await fillValid(user)
    await user.dblClick(submitButton())
    await waitFor(() => expect(submitButton()).toBeDisabled())
    expect(submitButton()).toHaveTextContent('Placing order…')
    await user.click(submitButton())
    release()
    expect(await screen.findByRole('heading', { name: /Your order is placed/ })).toBeInTheDocument()
    expect(seen).toHaveLength(1)
  })

  it('retries 503 overloaded by itself after Retry-After, with the same key', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const seen = scriptCheckout(
      () => HttpResponse.json({ error: { code: 'overloaded', message: 'Busy.' } }, { status: 503, headers: { 'Retry-After': '1' } }),
      async () => {
        await gate
        return placed()()
      },
    )
    const { user } = await setup()
    await fillValid(user)
    await user.click(submitButton())

    expect(await screen.findByText('High demand — retrying…')).toBeInTheDocument()
    expect(submitButton()).toBeDisabled()
    await waitFor(() => expect(seen).toHaveLength(2), { timeout: 4000 })
    release()
    expect(await screen.findByRole('heading', { name: /Your order is placed/ })).toBeInTheDocument()
    expect(seen[1]!.key).toBe(seen[0]!.key)
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950)
  })

  it('offers a retry after a network failure that reuses the key', async () => {
    const seen = scriptCheckout(() => HttpResponse.error(), placed())
    const { user } = await setup()
    await fillValid(user)
    await user.click(submitButton())

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('We could not reach the shop')
    // One way to retry: the form's own button, not a second one in the alert.
    expect(within(alert).queryByRole('button')).not.toBeInTheDocument()
    expect(screen.getAllByRole('button', { name: /Try again/ })).toHaveLength(1)
    await user.click(screen.getByRole('button', { name: 'Try again · ₹55,000' }))
    expect(await screen.findByRole('heading', { name: /Your order is placed/ })).toBeInTheDocument()
    expect(seen).toHaveLength(2)
    expect(seen[0]!.key).toMatch(UUID)
    expect(seen[1]!.key).toBe(seen[0]!.key)
  })

  it('keeps the key across a reload of the checkout page', async () => {
    const seen = scriptCheckout(() => HttpResponse.error(), placed())
    const first = await setup()
    await fillValid(first.user)
    await first.user.click(submitButton())
    await screen.findByRole('alert')
    first.unmount()

    const { user } = await setup([])
    await fillValid(user)
    await user.click(submitButton())
    await screen.findByRole('heading', { name: /Your order is placed/ })
    expect(seen[1]!.key).toBe(seen[0]!.key)
  })

  it('shows which lines sold out on 409 and can shrink the cart to what is left', async () => {
    scriptCheckout(() =>
      HttpResponse.json(
        {
          error: {
            code: 'sold_out',
            message: 'Not enough stock.',
            products: [
              { productId: laptop.id, requested: 2, available: 1 },
              { productId: earbuds.id, requested: 3, available: 0 },
            ],
          },
        },
        { status: 409 },
      ),
    )
    const { user } = await setup([
      { productId: laptop.id, quantity: 2 },
      { productId: earbuds.id, quantity: 3 },
    ])
    await fillValid(user)
    await user.click(submitButton())

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Some items sold out while you were checking out')
    const lines = within(alert).getAllByRole('listitem').map((li) => li.textContent)
    expect(lines).toEqual(['Dell Inspiron 15 Laptop: you asked for 2, only 1 left', 'boAt Airdopes 141: sold out'])
    await user.click(within(alert).getByRole('button', { name: 'Update my cart to what is left' }))
    expect(cartStore.getSnapshot()).toEqual([{ productId: laptop.id, quantity: 1 }])
    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument())
  })

  it('puts 422 field errors next to their fields', async () => {
    const seen = scriptCheckout(
      () =>
        HttpResponse.json(
          { error: { code: 'invalid', message: 'Checkout request is invalid.', fields: { 'customer.email': 'must be a valid email address' } } },
          { status: 422 },
        ),
      placed(),
    )
    const { user } = await setup()
    await fillValid(user)
    await user.click(submitButton())

    const email = screen.getByRole('textbox', { name: 'Email' })
    await waitFor(() => expect(email).toHaveAccessibleDescription(/Email must be a valid email address/))
    expect(email).toHaveAttribute('aria-invalid', 'true')
    expect(email).toHaveFocus()
    expect(screen.getByRole('alert')).toHaveTextContent('Correct the highlighted fields')

    // Editing the field clears the server's verdict on it.
    await user.clear(email)
    await user.type(email, 'asha@example.org')
    expect(email).not.toHaveAttribute('aria-invalid')
    await user.click(submitButton())
    await screen.findByRole('heading', { name: /Your order is placed/ })
    expect(seen[1]!.body.customer.email).toBe('asha@example.org')
  })

  it('starts a new key when the server says the old one named another order', async () => {
    const seen = scriptCheckout(
      () => HttpResponse.json({ error: { code: 'idempotency_key_reused', message: 'Key reused.' } }, { status: 422 }),
      placed(),
    )
    const { user } = await setup()
    await fillValid(user)
    await user.click(submitButton())
    expect(await screen.findByRole('alert')).toHaveTextContent('Your earlier attempt may already have placed an order')
    await user.click(submitButton())
    await screen.findByRole('heading', { name: /Your order is placed/ })
    expect(seen[1]!.key).not.toBe(seen[0]!.key)
  })

  it('stops retrying after a while and leaves the retry to the shopper', { timeout: 20_000 }, async () => {
    const seen = scriptCheckout(
      () => HttpResponse.json({ error: { code: 'draining', message: 'Restarting.' } }, { status: 503, headers: { 'Retry-After': '0' } }),
    )
    const { user } = await setup()
    await fillValid(user)
    await user.click(submitButton())
    const alert = await screen.findByRole('alert', {}, { timeout: 15_000 })
    expect(alert).toHaveTextContent('The shop is very busy right now')
    expect(alert).not.toHaveTextContent(/keeps your place/)
    expect(submitButton()).toHaveTextContent('Try again')
    expect(seen.length).toBe(6)
    expect(new Set(seen.map((s) => s.key)).size).toBe(1)
    await delay(50)
    expect(seen.length).toBe(6)
  })

  it('will not submit a cart the server says cannot be bought', async () => {
    const seen = scriptCheckout(placed())
    const { user } = await setup([{ productId: earbuds.id, quantity: 9 }])
    await fillValid(user)
    expect(submitButton()).toBeDisabled()
    expect(screen.getByText(/Some items in your cart cannot be bought/)).toBeInTheDocument()
    expect(seen).toHaveLength(0)
  })

  it('offers to lower a line over its per-shopper limit to what is allowed', async () => {
    scriptCheckout(() =>
      HttpResponse.json(
        {
          error: {
            code: 'purchase_limit',
            message: 'You can buy at most 2 of Dell Inspiron 15 Laptop.',
            fields: { 'items[0].quantity': 'at most 2 per shopper, 1 already bought' },
            products: [{ productId: laptop.id, requested: 2, available: 1 }],
          },
        },
        { status: 409 },
      ),
    )
    const { user } = await setup([{ productId: laptop.id, quantity: 2 }])
    await fillValid(user)
    await user.click(submitButton())
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Your cart is over a per-shopper limit')
    expect(within(alert).getByRole('listitem')).toHaveTextContent('Dell Inspiron 15 Laptop: you can buy 1 more, you asked for 2')
    await user.click(within(alert).getByRole('button', { name: 'Lower my cart to what I can buy' }))
    expect(cartStore.getSnapshot()).toEqual([{ productId: laptop.id, quantity: 1 }])
    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument())
  })

  it('waits for the connection before placing an order it cannot price', { timeout: 20_000 }, async () => {
    let up = true
    server.use(http.post('*/api/cart/quote', async ({ request }) => {
      if (!up) return HttpResponse.error()
      const { items } = (await request.json()) as { items: { productId: string; quantity: number }[] }
      return HttpResponse.json({ quote: quoteFor(items) })
    }))
    cartStore.add(laptop.id, 1)
    const { user, client } = renderApp('/checkout', { retry: true })
    await screen.findByRole('heading', { name: 'Your order' })
    await fillValid(user)
    up = false
    void client.invalidateQueries({ queryKey: ['quote'] })
    expect(await screen.findByText(/Connection problem: prices may have changed/, {}, { timeout: 8000 })).toBeInTheDocument()
    expect(submitButton()).toBeDisabled()
    up = true
    await waitFor(() => expect(submitButton()).toBeEnabled(), { timeout: 12_000 })
  })

  it('says "Coming soon" for a deal whose sale has not started yet', async () => {
    // The catalog says the laptop's deal opens in two hours: the cart was filled before the window moved.
    const soon = { ...laptop, saleStartsAt: new Date(Date.now() + 2 * 3_600_000).toISOString() }
    server.use(http.get('*/api/products', () => HttpResponse.json({ products: [soon, earbuds], categories: [] })))
    scriptCheckout(() =>
      HttpResponse.json(
        { error: { code: 'sale_not_active', message: 'The sale is not active for: Dell Inspiron 15 Laptop.', fields: { 'items[1].productId': 'sale is not active' } } },
        { status: 409 },
      ),
    )
    const { user } = await setup([
      { productId: earbuds.id, quantity: 1 },
      { productId: laptop.id, quantity: 1 },
    ])
    await fillValid(user)
    await user.click(submitButton())
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('A deal in your cart is not on sale right now')
    expect(within(alert).getByRole('listitem')).toHaveTextContent(/^Dell Inspiron 15 Laptop: coming soon, the deal opens in 0[12]:\d\d:\d\d$/)
  })
})
