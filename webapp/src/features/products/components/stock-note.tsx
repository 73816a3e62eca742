import { formatCountdown } from '@/lib/format'
import type { Product } from '@/types/api'
import { LOW_STOCK, saleState } from '../lib/sale'

/** StockNote says what limits buying right now: stock or the sale window. */
export function StockNote({ product, now }: { product: Product; now: number }) {
  const sale = saleState(product, now)
  if (sale.kind === 'ended') return <p className="text-sm font-medium text-slate-600">Sale ended</p>
  if (sale.kind === 'upcoming')
    return (
      <p className="text-sm font-medium text-blue-800">
        Sale starts in <span className="tabular-nums">{formatCountdown(sale.startsAt - now)}</span>
      </p>
    )
  if (product.stock === 0) return <p className="text-sm font-semibold text-red-700">Sold out</p>
  if (product.stock <= LOW_STOCK)
    return <p className="text-sm font-semibold text-amber-800">Only {product.stock} left</p>
  return <p className="text-sm text-green-800">In stock</p>
}
