import type { QuoteLine } from '@/types/api'

/** unavailableReason explains to a shopper why the server refused a line. */
export function unavailableReason(line: QuoteLine): string {
  switch (line.reason) {
    case 'sold_out':
      return 'Sold out'
    case 'insufficient_stock':
      return `Only ${line.stock} left – lower the quantity`
    case 'sale_not_active':
      return 'The sale for this product is not on right now'
    case 'not_found':
      return 'This product is no longer sold'
    default:
      return 'Not available'
  }
}
