import { formatWhen } from '@/lib/format'
import type { Product } from '@/types/api'
import { LOW_STOCK, saleState } from '../lib/sale'

/**
 * StockNote says what limits buying right now, on two lines that every
 * card has (so cards keep one height): stock, and the deal's own time —
 * when it ends, or when it starts.
 */
export function StockNote({ product, now }: { product: Product; now: number }) {
  const sale = saleState(product, now)
  let stock: React.ReactNode
  if (sale.kind === 'ended') stock = <span className="font-medium text-slate-600">Sale ended</span>
  else if (sale.kind === 'upcoming') stock = <span className="font-semibold text-blue-800">Coming soon</span>
  else if (product.stock === 0) stock = <span className="font-semibold text-red-700">Sold out</span>
  else if (product.stock <= LOW_STOCK) stock = <span className="font-semibold text-amber-800">Only {product.stock} left</span>
  else stock = <span className="text-green-800">In stock</span>

  let when = ''
  if (sale.kind === 'upcoming') when = `Starts ${formatWhen(sale.startsAt, now)}`
  else if (sale.kind === 'active' && sale.endsAt !== null) when = `Deal ends ${formatWhen(sale.endsAt, now)}`
  return (
    <div className="text-sm">
      <p>{stock}</p>
      <p className="min-h-5 text-slate-700 tabular-nums">{when}</p>
    </div>
  )
}
