import type { Order, Product, Quote, LineRequest } from '@/types/api'

export function product(over: Partial<Product> & { id: string }): Product {
  return {
    name: over.id,
    description: 'A product.',
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

export const catalog = [laptop, earbuds, powerBank]

/** quoteFor prices lines like the server's PriceQuote. */
export function quoteFor(items: LineRequest[], products: Product[] = catalog): Quote {
  const byId = new Map(products.map((p) => [p.id, p]))
  let available = true
  let total = 0
  const lines = items.map((it) => {
    const p = byId.get(it.productId)
    if (!p) {
      available = false
      return { productId: it.productId, quantity: it.quantity, unitPrice: 0, mrp: 0, lineTotal: 0, stock: 0, available: false, reason: 'not_found' as const }
    }
    const reason = p.stock === 0 ? ('sold_out' as const) : p.stock < it.quantity ? ('insufficient_stock' as const) : undefined
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
    }
  })
  return { lines, total, currency: 'INR', available }
}

export function orderFor(id: string, items: LineRequest[], products: Product[] = catalog): Order {
  const q = quoteFor(items, products)
  return {
    id,
    items: q.lines.map((l) => ({ productId: l.productId, name: l.name ?? l.productId, unitPrice: l.unitPrice, quantity: l.quantity, lineTotal: l.lineTotal })),
    total: q.total,
    currency: 'INR',
    customer: { name: 'Asha Rao', email: 'asha@example.in', phone: '+91 98765 43210', address: '12 MG Road, Bengaluru 560001' },
    status: 'Processing',
    history: [{ status: 'Processing', at: '2025-10-01T10:00:00Z' }],
    createdAt: '2025-10-01T10:00:00Z',
  }
}
