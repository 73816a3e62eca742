// MSW fakes the API at the fetch layer: the components, hooks and API
// client under test run unchanged, only the network is scripted.
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { LineRequest } from '@/types/api'
import { catalog, findProduct, listing, quoteFor, searchListing } from './fixtures'

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
  http.post('*/api/cart/quote', async ({ request }) => {
    const { items } = (await request.json()) as { items: LineRequest[] }
    return HttpResponse.json({ quote: quoteFor(items) })
  }),
]

export const server = setupServer(...defaultHandlers)
export { catalog }
