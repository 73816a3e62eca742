import type { QueryClient } from '@tanstack/react-query'
import { RouterProvider } from 'react-router/dom'
import { createBrowserRouter } from 'react-router'
import { AppProvider } from './provider'
import { routes } from './routes'

const router = createBrowserRouter(routes)

export function App({ client }: { client?: QueryClient }) {
  return (
    <AppProvider client={client}>
      <RouterProvider router={router} />
    </AppProvider>
  )
}
