import { render } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import type { QueryClient } from '@tanstack/react-query'
import { flushSync } from 'react-dom'
import { createMemoryRouter, RouterProvider } from 'react-router'
import { AppProvider } from '@/app/provider'
import { routes } from '@/app/routes'
import { createQueryClient } from '@/lib/query-client'

/**
 * renderApp renders the whole shop (real routes, real providers) at a URL,
 * so tests walk through pages the way a shopper does. Reads are not
 * retried unless retry is set: the shop's own policy (retry transient
 * failures until they pass) is then in force.
 */
export function renderApp(url = '/', options: { retry?: boolean; client?: QueryClient } = {}) {
  const client = options.client ?? createQueryClient()
  if (!options.retry) client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, retry: false } })
  const router = createMemoryRouter(routes, { initialEntries: [url] })
  const user = userEvent.setup()
  const view = render(
    <AppProvider client={client}>
      {/* flushSync as react-router/dom passes it in the shop (src/app/app.tsx). */}
      <RouterProvider router={router} flushSync={(fn) => void flushSync(fn)} />
    </AppProvider>,
  )
  return { ...view, user, router, client }
}
