// MSW fakes the API at the fetch layer: the components, hooks and API
// client under test run unchanged, only the network is scripted.
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { LineRequest } from '@/types/api'
import { account, catalog, findProduct, listing, quoteFor, searchListing } from './fixtures'

/**
 * quoteAfter prices carts like the server for a shopper who has already
 * bought these units: what is left of each cap is less.
 */
export function quoteAfter(bought: Record<string, number>) {
  return http.post('*/api/cart/quote', async ({ request }) => {
    const { items } = (await request.json()) as { items: LineRequest[] }
    return HttpResponse.json({ quote: quoteFor(items, undefined, bought) })
  })
}

export const defaultHandlers = [
  http.get('*/api/products', ({ request }) => {
    const url = new URL(request.url)
    return HttpResponse.json(url.search ? searchListing(url.searchParams) : listing())
  }),
  http.get('*/api/products/:id', ({ params }) => {
    const p = findProduct(String(params.id))
    return p
      ? HttpResponse.json({ product: p.maxPerShopper ? { ...p, remainingForShopper: p.maxPerShopper } : p })
      : HttpResponse.json({ error: { code: 'not_found', message: 'Product not found.' } }, { status: 404 })
  }),
  quoteAfter({}),
  // Signed in by default: checkout and orders need an account.
  http.get('*/api/session', () => HttpResponse.json({ account })),
  http.delete('*/api/session', () => new HttpResponse(null, { status: 204 })),
]

/** guest makes GET /api/session answer "nobody is signed in". */
export const guest = () => http.get('*/api/session', () => HttpResponse.json({ account: null }))

export const server = setupServer(...defaultHandlers)
export { catalog }
