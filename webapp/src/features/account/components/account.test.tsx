import { screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { renderApp } from '@/testing/render'
import { account, earbuds, laptop, orderFor, quoteFor } from '@/testing/fixtures'
import { guest, quoteAfter, server } from '@/testing/server'
import type { Account, LineRequest } from '@/types/api'
import { cartStore } from '@/features/cart/store'

const fail = (status: number, code: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  HttpResponse.json({ error: { code, message: `${code}.`, ...extra } }, { status, headers })

/**
 * asGuest starts signed out; a sign-in or registration then answers with
 * respond (default: success), and GET /api/session follows it, as the
 * server's cookie would.
 */
function asGuest(respond?: { signIn?: () => Response; register?: () => Response }) {
  let current: Account | null = null
  const sent: { path: string; body: unknown }[] = []
  const succeed = (status: number) => () => {
    current = account
    return HttpResponse.json({ account }, { status })
  }
  server.use(
    http.get('*/api/session', () => HttpResponse.json({ account: current })),
    http.post('*/api/session', async ({ request }) => {
      sent.push({ path: '/api/session', body: await request.json() })
      return (respond?.signIn ?? succeed(200))()
    }),
    http.post('*/api/accounts', async ({ request }) => {
      sent.push({ path: '/api/accounts', body: await request.json() })
      return (respond?.register ?? succeed(201))()
    }),
  )
  return sent
}

const email = () => screen.getByRole('textbox', { name: 'Email' })
const password = () => screen.getByLabelText('Password')
const header = () => screen.getByRole('navigation', { name: 'Main' })

async function fillSignIn(user: ReturnType<typeof renderApp>['user'], pw = 'correct horse') {
  await user.type(await screen.findByRole('textbox', { name: 'Email' }), 'asha@example.in')
  await user.type(password(), pw)
  await user.click(screen.getByRole('button', { name: 'Sign in' }))
}

async function fillRegistration(user: ReturnType<typeof renderApp>['user'], pw = 'correct horse') {
  await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'Asha Rao')
  await user.type(email(), 'asha@example.in')
  await user.type(password(), pw)
  await user.click(screen.getByRole('button', { name: 'Create account' }))
}

describe('checkout needs an account', () => {
  it('sends a guest to sign in and back to checkout, with the cart intact', async () => {
    const sent = asGuest()
    cartStore.add(laptop.id, 2)
    cartStore.add(earbuds.id, 1)
    const { user, router } = renderApp('/checkout')
    await screen.findByRole('heading', { level: 1, name: 'Sign in' })
    expect(router.state.location.pathname).toBe('/signin')
    expect(router.state.location.search).toBe('?next=%2Fcheckout')
    expect(screen.getByText(/Sign in or create an account to check out\. Your cart \(3 items\) is kept/)).toBeInTheDocument()

    await fillSignIn(user)
    await screen.findByRole('heading', { name: 'Your order' })
    expect(router.state.location.pathname).toBe('/checkout')
    expect(sent).toEqual([{ path: '/api/session', body: { email: 'asha@example.in', password: 'correct horse' } }])
    expect(cartStore.getSnapshot().map((i) => [i.productId, i.quantity])).toEqual([
      [laptop.id, 2],
      [earbuds.id, 1],
    ])
    expect(screen.getByRole('button', { name: 'Asha, your account' })).toBeInTheDocument()
  })

  it('registers on the way, from the sign-in page, and still comes back', async () => {
    const sent = asGuest()
    cartStore.add(earbuds.id, 1)
    const { user, router } = renderApp('/checkout')
    await user.click(await screen.findByRole('link', { name: 'Create an account' }))
    await screen.findByRole('heading', { level: 1, name: 'Create an account' })
    expect(router.state.location.search).toBe('?next=%2Fcheckout')
    await fillRegistration(user)
    await screen.findByRole('heading', { name: 'Your order' })
    expect(sent).toEqual([{ path: '/api/accounts', body: { name: 'Asha Rao', email: 'asha@example.in', password: 'correct horse' } }])
    expect(cartStore.getSnapshot()).toHaveLength(1)
  })
})

describe('sign-in page', () => {
  it('checks the fields before sending: messages next to them, the first focused', async () => {
    const sent = asGuest()
    const { user } = renderApp('/signin')
    await user.click(await screen.findByRole('button', { name: 'Sign in' }))
    expect(email()).toHaveAccessibleDescription('Email is required')
    expect(email()).toHaveAttribute('aria-invalid', 'true')
    expect(password()).toHaveAccessibleDescription('Password is required')
    expect(email()).toHaveFocus()
    // Fixing a field clears its message.
    await user.type(email(), 'a')
    expect(email()).not.toHaveAttribute('aria-invalid')
    expect(sent).toEqual([])
  })

  it('says a wrong email or password (401) in an alert and takes focus there', async () => {
    asGuest({ signIn: () => fail(401, 'invalid_credentials') })
    const { user, router } = renderApp('/signin?next=%2Forders')
    await fillSignIn(user, 'wrong password')
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('That email and password do not match')
    expect(alert).toHaveFocus()
    expect(router.state.location.pathname).toBe('/signin')
    expect(within(header()).getByRole('link', { name: 'Sign in' })).toBeInTheDocument()
  })

  it('pauses after too many attempts (429), saying for how long', async () => {
    const sent = asGuest({ signIn: () => fail(429, 'rate_limited', {}, { 'Retry-After': '30' }) })
    const { user } = renderApp('/signin')
    await fillSignIn(user)
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent(/^Too many attempts/)
    expect(alert).toHaveTextContent(/this is paused\. Try again in 30 seconds\.$/)
    const button = screen.getByRole('button', { name: 'Sign in' })
    expect(button).toBeDisabled()
    await user.click(button)
    expect(sent).toHaveLength(1)
  })

  it('shows the server’s field errors (422) next to their fields', async () => {
    asGuest({ signIn: () => fail(422, 'invalid', { fields: { email: 'must be at most 254 characters' } }) })
    const { user } = renderApp('/signin')
    await fillSignIn(user)
    await waitFor(() => expect(email()).toHaveAccessibleDescription('Email must be at most 254 characters'))
    expect(email()).toHaveFocus()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('never sends the shopper off the shop after signing in', async () => {
    asGuest()
    const { user, router } = renderApp('/signin?next=%2F%2Fevil.example%2F')
    await fillSignIn(user)
    await waitFor(() => expect(router.state.location.pathname).toBe('/'))
  })

  it('passes a signed-in shopper straight on', async () => {
    server.use(http.get('*/api/orders', () => HttpResponse.json({ orders: [] })))
    const { router } = renderApp('/signin?next=%2Forders')
    await screen.findByText('No orders yet')
    expect(router.state.location.pathname).toBe('/orders')
  })
})

describe('registration page', () => {
  it('asks for at least 8 characters of password and sends nothing shorter', async () => {
    const sent = asGuest()
    const { user } = renderApp('/register')
    await fillRegistration(user, 'seven77')
    // The rule is said before and, broken, after.
    expect(password()).toHaveAccessibleDescription(/^At least 8 characters.*Password must be at least 8 characters$/)
    expect(password()).toHaveFocus()
    expect(sent).toEqual([])
    // The password can be shown to check it.
    await user.click(screen.getByRole('checkbox', { name: 'Show password' }))
    expect(screen.getByRole('textbox', { name: 'Password' })).toHaveValue('seven77')
  })

  it('points a registered email (409) to signing in, with the email filled in', async () => {
    asGuest({ register: () => fail(409, 'conflict') })
    const { user, router } = renderApp('/register?next=%2Fcheckout')
    await fillRegistration(user)
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('This email already has an account')
    expect(alert).toHaveFocus()
    expect(email()).toHaveAccessibleDescription(/An account with this email already exists/)
    await user.click(within(alert).getByRole('link', { name: 'Sign in with asha@example.in' }))
    await screen.findByRole('heading', { level: 1, name: 'Sign in' })
    expect(router.state.location.search).toBe('?next=%2Fcheckout')
    expect(email()).toHaveValue('asha@example.in')
  })

  it('shows the server’s verdict on a field (422) by the field, and others above the form', async () => {
    asGuest({ register: () => fail(422, 'invalid', { fields: { password: 'must be at most 128 characters', terms: 'must be accepted' } }) })
    const { user } = renderApp('/register')
    await fillRegistration(user)
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Please check the highlighted fields')
    expect(alert).toHaveTextContent('terms must be accepted')
    expect(password()).toHaveAccessibleDescription(/Password must be at most 128 characters$/)
  })

  it('says so when the shop cannot be reached', async () => {
    asGuest({ register: () => HttpResponse.error() })
    const { user } = renderApp('/register')
    await fillRegistration(user)
    expect(await screen.findByRole('alert')).toHaveTextContent('We could not reach the shop')
  })
})

describe('the header', () => {
  it('offers a guest to sign in, coming back to the page they are on', async () => {
    server.use(guest())
    renderApp(`/products/${laptop.id}`)
    const link = await within(header()).findByRole('link', { name: 'Sign in' })
    expect(link).toHaveAttribute('href', `/signin?next=%2Fproducts%2F${laptop.id}`)
  })

  it('shows who is signed in and signs out', async () => {
    let deletes = 0
    server.use(
      http.delete('*/api/session', () => {
        deletes++
        return new HttpResponse(null, { status: 204 })
      }),
      http.get('*/api/orders', () => HttpResponse.json({ orders: [] })),
    )
    const { user, router } = renderApp('/orders')
    await screen.findByText('No orders yet')
    const button = within(header()).getByRole('button', { name: 'Asha, your account' })
    expect(button).toHaveAttribute('aria-expanded', 'false')
    expect(screen.queryByText('Signed in as')).not.toBeVisible()
    await user.click(button)
    expect(button).toHaveAttribute('aria-expanded', 'true')
    expect(screen.getByText('Signed in as')).toBeVisible()
    expect(screen.getByText('Asha Rao')).toBeVisible()
    expect(screen.getByText('asha@example.in', { selector: 'p' })).toBeVisible()
    // Escape closes it and gives focus back.
    await user.keyboard('{Escape}')
    expect(button).toHaveAttribute('aria-expanded', 'false')
    expect(button).toHaveFocus()

    server.use(guest())
    await user.click(button)
    await user.click(screen.getByRole('button', { name: 'Sign out' }))
    await within(header()).findByRole('link', { name: 'Sign in' })
    expect(deletes).toBe(1)
    expect(router.state.location.pathname).toBe('/')
    expect(screen.getByText('You are signed out.')).toBeInTheDocument()
  })

  it('says so when signing out fails, and stays signed in', async () => {
    server.use(http.delete('*/api/session', () => HttpResponse.error()))
    const { user } = renderApp('/')
    await user.click(await within(header()).findByRole('button', { name: 'Asha, your account' }))
    await user.click(screen.getByRole('button', { name: 'Sign out' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not sign out')
    expect(within(header()).getByRole('button', { name: 'Asha, your account' })).toBeInTheDocument()
  })
})

describe('orders belong to the account', () => {
  it('sends a guest to sign in first, then lists the account’s orders', async () => {
    asGuest()
    server.use(http.get('*/api/orders', () => HttpResponse.json({ orders: [orderFor('FS-MINE', [{ productId: laptop.id, quantity: 1 }])] })))
    const { user, router } = renderApp('/orders/FS-MINE/confirmation')
    await screen.findByRole('heading', { level: 1, name: 'Sign in' })
    expect(router.state.location.search).toBe('?next=%2Forders%2FFS-MINE%2Fconfirmation')
    server.use(http.get('*/api/orders/:id', () => HttpResponse.json({ order: orderFor('FS-MINE', [{ productId: laptop.id, quantity: 1 }]) })))
    await fillSignIn(user)
    expect(await screen.findByRole('heading', { level: 1, name: 'Thank you, Asha! Your order is placed.' })).toBeInTheDocument()
    await user.click(screen.getByRole('link', { name: 'All orders' }))
    expect(await screen.findByRole('link', { name: /Order FS-MINE/ })).toBeInTheDocument()
    expect(screen.getByText(/Every order placed with/)).toHaveTextContent('Every order placed with asha@example.in, on any device.')
  })

  it('asks to sign in again when the session has ended on the server', async () => {
    server.use(http.get('*/api/orders', () => fail(401, 'signin_required')))
    const { router } = renderApp('/orders')
    await screen.findByRole('heading', { level: 1, name: 'Sign in' })
    expect(router.state.location.search).toBe('?next=%2Forders')
  })
})

describe('the allowance of a capped deal', () => {
  it('a guest sees the cap, is offered no more than it, and is asked to sign in for the rest', async () => {
    server.use(guest(), http.get('*/api/products/:id', () => HttpResponse.json({ product: laptop })))
    renderApp(`/products/${laptop.id}`)
    // The sentence holds a link, so it is matched whole.
    const note = await screen.findByText(
      (_, el) => el?.tagName === 'P' && el.textContent === 'Limit 2 per shopper. Sign in to see how many you can still buy.',
    )
    expect(within(note).getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', `/signin?next=%2Fproducts%2F${laptop.id}`)
    const qty = screen.getByRole('combobox', { name: 'Quantity' })
    await waitFor(() => expect(within(qty).getAllByRole('option').map((o) => o.textContent)).toEqual(['1', '2']))
  })

  it('the cart says what is left of it and offers no more', async () => {
    server.use(quoteAfter({ [laptop.id]: 1 }))
    cartStore.add(laptop.id, 1)
    renderApp('/cart')
    const line = await screen.findByRole('listitem', { name: laptop.name })
    expect(await within(line).findByText('Limit 2 per shopper. You have bought 1; you can buy 1 more.')).toBeInTheDocument()
    const offered = within(line).getAllByRole('option').filter((o) => !(o as HTMLOptionElement).disabled)
    expect(offered.map((o) => o.textContent)).toEqual(['1'])
  })

  it('a guest’s cart offers no more than the cap', async () => {
    server.use(
      guest(),
      http.post('*/api/cart/quote', async ({ request }) => {
        const { items } = (await request.json()) as { items: LineRequest[] }
        const q = quoteFor(items)
        // A guest has no allowance: the server says nothing of one.
        for (const l of q.lines) delete l.remainingForShopper
        return HttpResponse.json({ quote: q })
      }),
    )
    cartStore.add(earbuds.id, 1)
    renderApp('/cart')
    const line = await screen.findByRole('listitem', { name: earbuds.name })
    expect(await within(line).findByText('Limit 5 per shopper.')).toBeInTheDocument()
    const offered = within(line).getAllByRole('option').filter((o) => !(o as HTMLOptionElement).disabled)
    expect(offered.map((o) => o.textContent)).toEqual(['1', '2', '3', '4', '5'])
  })
})
