import type { RouteObject } from 'react-router'
import { AppLayout } from '@/components/layouts/app-layout'
import { Spinner } from '@/components/ui/status'
import HomeRoute from './routes/home'
import ProductRoute from './routes/product'
import RouteError from './routes/route-error'

// Home and product pages are where sale-day traffic lands, so they ship in
// the main bundle. Every other page is its own chunk, fetched on first
// visit; the router keeps the current page on screen until it arrives.
type Module = Promise<{ default: React.ComponentType }>
const page = (load: () => Module) => () => load().then((m) => ({ Component: m.default }))

export const routes: RouteObject[] = [
  {
    element: <AppLayout />,
    errorElement: <RouteError />,
    // Shown while the first page's chunk loads on a deep link (/orders/…).
    hydrateFallbackElement: <Spinner />,
    children: [
      { index: true, element: <HomeRoute /> },
      { path: 'products/:id', element: <ProductRoute /> },
      { path: 'cart', lazy: page(() => import('./routes/cart')) },
      { path: 'checkout', lazy: page(() => import('./routes/checkout')) },
      { path: 'orders', lazy: page(() => import('./routes/orders')) },
      { path: 'orders/:id', lazy: page(() => import('./routes/order')) },
      { path: 'orders/:id/confirmation', lazy: page(() => import('./routes/confirmation')) },
      { path: 'version', lazy: page(() => import('./routes/version')) },
      { path: 'health', lazy: page(() => import('./routes/health')) },
      { path: '*', lazy: page(() => import('./routes/not-found')) },
    ],
  },
]
