import { formatWhen } from '@/lib/format'
import type { Product, QuoteLine } from '@/types/api'
import { saleState } from '@/features/products/lib/sale'

/**
 * unavailableReason explains to a shopper why the server refused a line;
 * the product (from the catalog) tells an upcoming deal from an ended one.
 */
export function unavailableReason(line: QuoteLine, product?: Product, now: number = Date.now()): string {
  switch (line.reason) {
    case 'sold_out':
      return 'Sold out'
    case 'insufficient_stock':
      return `Only ${line.stock} left – lower the quantity`
    case 'purchase_limit':
      return line.remainingForShopper
        ? `You can buy ${line.remainingForShopper} more of this deal – lower the quantity`
        : 'You have bought the most you can of this deal'
    case 'sale_not_active': {
      const sale = product ? saleState(product, now) : null
      if (sale?.kind === 'upcoming') return `Coming soon – the deal opens ${formatWhen(sale.startsAt, now)}`
      if (sale?.kind === 'ended') return 'This deal has ended'
      return 'The sale for this product is not on right now'
    }
    case 'not_found':
      return 'This product is no longer sold'
    default:
      return 'Not available'
  }
}

/**
 * fixedQuantity is what a line can be lowered to so it can be bought: the
 * stock left, or what the shopper may still buy; 0 drops it.
 */
export function fixedQuantity(line: QuoteLine): number {
  if (line.available) return line.quantity
  if (line.reason === 'insufficient_stock' || line.reason === 'purchase_limit')
    return Math.max(0, Math.min(line.quantity, line.stock, line.remainingForShopper ?? line.stock))
  return 0
}
