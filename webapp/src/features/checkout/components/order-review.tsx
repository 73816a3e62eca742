import { Link } from 'react-router'
import { paths } from '@/config/paths'
import { formatMoney } from '@/lib/format'
import type { Product, Quote } from '@/types/api'
import { unavailableReason } from '@/features/cart/lib/reasons'
import type { DeliveryEstimate } from '../lib/delivery'

export function OrderReview({ quote, estimate, stale = false, productOf }: {
  quote: Quote
  estimate: DeliveryEstimate | null
  stale?: boolean
  /** The catalog's product, which tells an upcoming deal from an ended one. */
  productOf: (id: string) => Product | undefined
}) {
  return (
    <section aria-labelledby="review-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200">
      <h2 id="review-heading" className="text-lg font-semibold">
        Your order
      </h2>
      {stale && (
        <p role="status" className="mt-2 rounded-lg bg-amber-50 p-3 text-sm text-amber-950">
          Connection problem: prices may have changed. Placing the order waits until the shop is back.
        </p>
      )}
      <ul className="mt-3 divide-y divide-slate-200 text-sm">
        {quote.lines.map((l) => (
          <li key={l.productId} className="flex justify-between gap-3 py-2">
            <span className="min-w-0">
              <span className="font-medium break-words">{l.name ?? l.productId}</span>
              <span className="text-slate-600"> × {l.quantity}</span>
              {!l.available && <span className="block font-semibold text-red-700">{unavailableReason(l, productOf(l.productId))}</span>}
            </span>
            <span className="shrink-0 font-medium">{l.available ? formatMoney(l.lineTotal) : '—'}</span>
          </li>
        ))}
      </ul>
      <p className="mt-3 flex justify-between border-t border-slate-200 pt-3 text-base font-bold">
        <span>Total</span>
        <span>{formatMoney(quote.total)}</span>
      </p>
      <p className="mt-1 text-xs text-slate-600">Free delivery. Pay on delivery: cash or UPI.</p>
      <p className="mt-3 rounded-lg bg-slate-50 p-3 text-sm text-slate-800" aria-live="polite">
        {estimate ? (
          <>
            <span className="font-semibold">Delivery {estimate.text}</span> ({estimate.minDays}–{estimate.maxDays} days)
          </>
        ) : (
          'Enter your PIN code and state to see when your order arrives.'
        )}
      </p>
      <Link to={paths.cart} className="mt-3 inline-block text-sm font-semibold text-blue-700 underline">
        Edit cart
      </Link>
    </section>
  )
}
