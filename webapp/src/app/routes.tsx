import type { RouteObject } from 'react-router'
import { AppLayout } from '@/components/layouts/app-layout'
import { Spinner } from '@/components/ui/status'
import { paths } from '@/config/paths'
import HomeRoute from './routes/home'
import ProductRoute from './routes/product'
import RouteError from './routes/route-error'
import { PageUnavailable } from './routes/page-unavailable'

// Home and product pages are where sale-day traffic lands, so they ship in
// the main bundle. Every other page is its own chunk, fetched on first
// visit; the router keeps the current page on screen until it arrives.
type Module = Promise<{ default: React.ComponentType }>

/**
 * page loads a page's chunk. A chunk that cannot be fetched (the shop is
 * unreachable, or a deploy replaced it) shows PageUnavailable inside the
 * usual header, which reloads the page as soon as the shop answers.
 */
export const page = (load: () => Module) => () =>
  load().then(
    (m) => ({ Component: m.default }),
    () => ({ Component: PageUnavailable }),
  )

const relative = (p: string) => p.slice(1)

export const routes: RouteObject[] = [
  {
    element: <AppLayout />,
    // Shown while the first page's chunk loads on a deep link (/orders/…).
    hydrateFallbackElement: <Spinner />,
    errorElement: <RouteError standalone />,
    children: [
      {
        // Errors of a page render inside the layout: the header, navigation
        // and cart count stay.
        errorElement: <RouteError />,
        children: [
          { index: true, element: <HomeRoute /> },
          { path: relative(paths.product), element: <ProductRoute /> },
          { path: relative(paths.cart), lazy: page(() => import('./routes/cart')) },
          { path: relative(paths.checkout), lazy: page(() => import('./routes/checkout')) },
          { path: relative(paths.orders), lazy: page(() => import('./routes/orders')) },
          { path: relative(paths.order), lazy: page(() => import('./routes/order')) },
          { path: relative(paths.confirmation), lazy: page(() => import('./routes/confirmation')) },
          { path: relative(paths.signIn), lazy: page(() => import('./routes/sign-in')) },
          { path: relative(paths.register), lazy: page(() => import('./routes/register')) },
          { path: relative(paths.version), lazy: page(() => import('./routes/version')) },
          { path: relative(paths.health), lazy: page(() => import('./routes/health')) },
          { path: '*', lazy: page(() => import('./routes/not-found')) },
        ],
      },
    ],
  },
]
