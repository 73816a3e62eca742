// MSW fakes the API at the fetch layer: the components, hooks and API
// client under test run unchanged, only the network is scripted.
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { LineRequest } from '@/types/api'
import { catalog, quoteFor } from './fixtures'

export const defaultHandlers = [
  http.get('*/api/products', () => HttpResponse.json({ products: catalog })),
  http.get('*/api/products/:id', ({ params }) => {
    const p = catalog.find((x) => x.id === params.id)
    return p
      ? HttpResponse.json({ product: p })
      : HttpResponse.json({ error: { code: 'not_found', message: 'Product not found.' } }, { status: 404 })
  }),
  http.post('*/api/cart/quote', async ({ request }) => {
    const { items } = (await request.json()) as { items: LineRequest[] }
    return HttpResponse.json({ quote: quoteFor(items) })
  }),
]

export const server = setupServer(...defaultHandlers)
