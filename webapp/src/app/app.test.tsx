import { render, screen, waitFor, within } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { createMemoryRouter, RouterProvider, type RouteObject } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { renderApp } from '@/testing/render'
import { server } from '@/testing/server'
import { createQueryClient } from '@/lib/query-client'
import { cartStore } from '@/features/cart/store'
import { laptop } from '@/testing/fixtures'
import { AppProvider } from './provider'
import { AppLayout } from '@/components/layouts/app-layout'
import { page } from './routes'
import { reloader } from '@/lib/reload'

describe('app shell', () => {
  it('names the cart link after what it shows', async () => {
    cartStore.add(laptop.id, 2)
    renderApp('/')
    const link = await screen.findByRole('link', { name: 'Cart 2 items' })
    // The accessible name starts with the visible text (WCAG 2.5.3).
    expect(link.textContent?.replace(/\s+/g, ' ')).toMatch(/^Cart 2 items$/)
    const seen = link.cloneNode(true) as HTMLElement
    seen.querySelectorAll('.sr-only').forEach((s) => s.remove())
    expect(seen.textContent).toBe('Cart 2 ')
  })

  it('keeps the header when a page cannot be fetched, and reloads once the shop answers', { timeout: 20_000 }, async () => {
    const reload = vi.spyOn(reloader, 'reload').mockImplementation(() => {})
    let up = false
    server.use(http.get('*/healthz', () => (up ? new HttpResponse('ok') : HttpResponse.error())))
    // The real layout and page loader, with the cart page's chunk failing to load.
    const failing: RouteObject[] = [
      { element: <AppLayout />, children: [{ path: 'cart', lazy: page(() => Promise.reject(new Error('chunk gone'))) }] },
    ]
    const router = createMemoryRouter(failing, { initialEntries: ['/cart'] })
    render(
      <AppProvider client={createQueryClient()}>
        <RouterProvider router={router} />
      </AppProvider>,
    )
    expect(await screen.findByRole('heading', { level: 1, name: 'This page could not be loaded' })).toBeInTheDocument()
    expect(screen.getByText('Connection problem')).toBeInTheDocument()
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Cart 0 items' })).toBeInTheDocument()
    expect(reload).not.toHaveBeenCalled()
    up = true
    await waitFor(() => expect(reload).toHaveBeenCalledOnce(), { timeout: 10_000 })
  })

  it('renders a page error inside the layout', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    // A product whose name is not text makes the page throw while rendering.
    server.use(http.get('*/api/products/:id', () => HttpResponse.json({ product: { ...laptop, name: { broken: true } } })))
    renderApp(`/products/${laptop.id}`)
    expect(await screen.findByRole('heading', { name: 'Something went wrong' })).toBeInTheDocument()
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument()
    expect(screen.getAllByRole('main')).toHaveLength(1)
  })
})

describe('not-found pages', () => {
  it('an unknown address has an H1 and its own title', async () => {
    renderApp('/no/such/page')
    expect(await screen.findByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument()
    await waitFor(() => expect(document.title).toBe('Page not found – FlashScale'))
  })

  it('an unknown product', async () => {
    renderApp('/products/no-such-thing')
    expect(await screen.findByRole('heading', { level: 1, name: 'Product not found' })).toBeInTheDocument()
    await waitFor(() => expect(document.title).toBe('Product not found – FlashScale'))
  })

  it('an order that is not the shopper’s', async () => {
    server.use(http.get('*/api/orders/:id', () => HttpResponse.json({ error: { code: 'not_found', message: 'Order not found.' } }, { status: 404 })))
    renderApp('/orders/FS-NOPE')
    const h1 = await screen.findByRole('heading', { level: 1, name: 'Order not found' })
    expect(within(h1.parentElement!).getByRole('link', { name: 'See your orders' })).toBeInTheDocument()
    await waitFor(() => expect(document.title).toBe('Order not found – FlashScale'))
  })
})
