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
  version: '/version',
  health: '/health',
} as const

export const productPath = (id: string) => `/products/${encodeURIComponent(id)}`
export const orderPath = (id: string) => `/orders/${encodeURIComponent(id)}`
export const confirmationPath = (id: string) => `/orders/${encodeURIComponent(id)}/confirmation`
