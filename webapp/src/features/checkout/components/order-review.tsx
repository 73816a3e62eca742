import { Link } from 'react-router'
import { formatMoney } from '@/lib/format'
import type { Quote } from '@/types/api'
import { unavailableReason } from '@/features/cart/lib/reasons'

export function OrderReview({ quote }: { quote: Quote }) {
  return (
    <section aria-labelledby="review-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200">
      <h2 id="review-heading" className="text-lg font-semibold">
        Your order
      </h2>
      <ul className="mt-3 divide-y divide-slate-200 text-sm">
        {quote.lines.map((l) => (
          <li key={l.productId} className="flex justify-between gap-3 py-2">
            <span>
              <span className="font-medium">{l.name ?? l.productId}</span>
              <span className="text-slate-600"> × {l.quantity}</span>
              {!l.available && <span className="block font-semibold text-red-700">{unavailableReason(l)}</span>}
            </span>
            <span className="shrink-0 font-medium">{l.available ? formatMoney(l.lineTotal) : '—'}</span>
          </li>
        ))}
      </ul>
      <p className="mt-3 flex justify-between border-t border-slate-200 pt-3 text-base font-bold">
        <span>Total</span>
        <span>{formatMoney(quote.total)}</span>
      </p>
      <Link to="/cart" className="mt-3 inline-block text-sm font-semibold text-blue-700 underline">
        Edit cart
      </Link>
    </section>
  )
}
