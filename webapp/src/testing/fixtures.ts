import type { Account, CategoryCount, LineRequest, Listing, Order, Product, Quote } from '@/types/api'

export function product(over: Partial<Product> & { id: string }): Product {
  return {
    name: over.id,
    description: 'A product.',
    category: 'electronics',
    imageUrl: `/images/${over.id}.svg`,
    price: 100_000,
    mrp: 150_000,
    currency: 'INR',
    stock: 50,
    ...over,
  }
}

export const laptop = product({
  id: 'dell-inspiron-15',
  name: 'Dell Inspiron 15 Laptop',
  price: 5_500_000,
  mrp: 6_500_000,
  stock: 100,
  maxPerShopper: 2,
})
export const earbuds = product({
  id: 'boat-airdopes-141',
  name: 'boAt Airdopes 141',
  price: 109_900,
  mrp: 449_000,
  stock: 7,
  maxPerShopper: 5,
})
export const powerBank = product({ id: 'mi-power-bank-20k', name: 'Mi 20000 mAh Power Bank', price: 179_900, mrp: 299_900, stock: 0 })
export const jeans = product({ id: 'levis-511-jeans', name: "Levi's 511 Slim Fit Jeans", category: 'fashion', price: 179_900, mrp: 359_900, stock: 500 })

export const catalog = [laptop, earbuds, powerBank, jeans]

export const CATEGORIES = [
  { id: 'electronics', name: 'Electronics' },
  { id: 'fashion', name: 'Fashion' },
]

export function findProduct(id: string): Product | undefined {
  return catalog.find((p) => p.id === id)
}

/** listing answers GET /api/products like the server's shop.List (search and category only). */
export function listing(products: Product[] = catalog, q = '', category = ''): Listing {
  const terms = q.toLowerCase().split(/\s+/).filter(Boolean)
  const matching = products.filter((p) => terms.every((t) => `${p.name} ${p.description} ${p.category}`.toLowerCase().includes(t)))
  const categories: CategoryCount[] = CATEGORIES.map((c) => ({ ...c, count: matching.filter((p) => p.category === c.id).length }))
  return { products: category ? matching.filter((p) => p.category === category) : matching, categories }
}

export function searchListing(params: URLSearchParams, products: Product[] = catalog): Listing {
  return listing(products, params.get('q') ?? '', params.get('category') ?? '')
}

/** quoteFor prices lines like the server's PriceQuote. */
export function quoteFor(items: LineRequest[], products: Product[] = catalog, bought: Record<string, number> = {}): Quote {
  const byId = new Map(products.map((p) => [p.id, p]))
  let available = true
  let total = 0
  const lines = items.map((it) => {
    const p = byId.get(it.productId)
    if (!p) {
      available = false
      return { productId: it.productId, quantity: it.quantity, unitPrice: 0, mrp: 0, lineTotal: 0, stock: 0, available: false, reason: 'not_found' as const }
    }
    const remaining = p.maxPerShopper ? Math.max(0, p.maxPerShopper - (bought[p.id] ?? 0)) : undefined
    const reason =
      p.stock === 0
        ? ('sold_out' as const)
        : p.stock < it.quantity
          ? ('insufficient_stock' as const)
          : remaining !== undefined && remaining < it.quantity
            ? ('purchase_limit' as const)
            : undefined
    const lineTotal = p.price * it.quantity
    if (reason) available = false
    else total += lineTotal
    return {
      productId: p.id,
      name: p.name,
      quantity: it.quantity,
      unitPrice: p.price,
      mrp: p.mrp,
      lineTotal,
      stock: p.stock,
      available: !reason,
      ...(reason ? { reason } : {}),
      ...(remaining !== undefined ? { remainingForShopper: remaining } : {}),
    }
  })
  return { lines, total, currency: 'INR', available }
}

export const customer = {
  name: 'Asha Rao',
  email: 'asha@example.in',
  phone: '98765 43210',
  addressLine1: '12 MG Road',
  addressLine2: 'Near Trinity Metro',
  city: 'Bengaluru',
  state: 'Karnataka',
  pinCode: '560001',
}

export function orderFor(id: string, items: LineRequest[], products: Product[] = catalog): Order {
  const q = quoteFor(items, products)
  return {
    id,
    items: q.lines.map((l) => ({ productId: l.productId, name: l.name ?? l.productId, unitPrice: l.unitPrice, quantity: l.quantity, lineTotal: l.lineTotal })),
    total: q.total,
    currency: 'INR',
    customer: { ...customer, address: '12 MG Road\nNear Trinity Metro\nBengaluru, Karnataka 560001' },
    paymentMethod: 'pay_on_delivery',
    status: 'Processing',
    history: [{ status: 'Processing', at: '2025-10-01T10:00:00Z' }],
    createdAt: '2025-10-01T10:00:00Z',
  }
}

/** The shopper the tests are signed in as, unless a test signs out (guest()). */
export const account: Account = { email: 'asha@example.in', name: 'Asha Rao' }
