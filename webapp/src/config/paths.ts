// The shop's client routes. The build writes them to dist/routes.json for
// the server (service/web), which answers every other path with 404, and
// checks /products/:id against its catalog: keep the patterns here.
export const paths = {
  home: '/',
  product: '/products/:id',
  cart: '/cart',
  checkout: '/checkout',
  orders: '/orders',
  order: '/orders/:id',
  confirmation: '/orders/:id/confirmation',
  signIn: '/signin',
  register: '/register',
  version: '/version',
  health: '/health',
} as const

export const productPath = (id: string) => `/products/${encodeURIComponent(id)}`
export const orderPath = (id: string) => `/orders/${encodeURIComponent(id)}`
export const confirmationPath = (id: string) => `/orders/${encodeURIComponent(id)}/confirmation`

/**
 * signInPath and registerPath come back to next (a path of this shop)
 * once the shopper is signed in.
 */
export const signInPath = (next?: string) => withNext(paths.signIn, next)
export const registerPath = (next?: string) => withNext(paths.register, next)

const withNext = (path: string, next?: string) =>
  next && next !== paths.home ? `${path}?${new URLSearchParams({ next }).toString()}` : path
