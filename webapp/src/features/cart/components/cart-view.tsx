import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { QuantitySelect } from '@/components/ui/quantity-select'
import { EmptyState, ErrorPanel, Spinner } from '@/components/ui/status'
import { formatMoney } from '@/lib/format'
import type { LineRequest, Product, Quote, QuoteLine } from '@/types/api'
import { useProducts } from '@/features/products/api/get-products'
import { purchaseLimit } from '@/features/products/lib/sale'
import { useQuote } from '../api/get-quote'
import { unavailableReason } from '../lib/reasons'
import { cartStore, MAX_QUANTITY_PER_LINE, useCart } from '../store'

export function CartView() {
  const { items } = useCart()
  const quote = useQuote(items, { poll: true })
  const products = useProducts()
  const byId = new Map((products.data ?? []).map((p) => [p.id, p]))

  if (items.length === 0) {
    return (
      <EmptyState title="Your cart is empty">
        <Link to="/" className={buttonClass('primary')}>
          Browse deals
        </Link>
      </EmptyState>
    )
  }
  if (quote.isPending) return <Spinner label="Pricing your cart…" />
  if (quote.isError && !quote.data) return <ErrorPanel error={quote.error} onRetry={() => void quote.refetch()} />

  const q = quote.data
  // Lines come from the cart itself so that edits show at once; prices come
  // from the (possibly previous) quote until the server re-prices.
  const quoted = new Map(q.lines.map((l) => [l.productId, l]))
  const stale = quote.isPlaceholderData
  return (
    <div className="grid items-start gap-6 lg:grid-cols-[1fr_22rem]">
      <section aria-labelledby="cart-items-heading" className="rounded-2xl bg-white ring-1 ring-slate-200">
        <h2 id="cart-items-heading" className="sr-only">
          Items
        </h2>
        <ul className="divide-y divide-slate-200">
          {items.map((item) => (
            <CartLine
              key={item.productId}
              item={item}
              line={quoted.get(item.productId)}
              product={byId.get(item.productId)}
            />
          ))}
        </ul>
      </section>
      <CartSummary quote={q} stale={stale} updating={quote.isFetching} />
    </div>
  )
}

function CartLine({ item, line, product }: { item: LineRequest; line?: QuoteLine; product?: Product }) {
  const name = line?.name ?? product?.name ?? item.productId
  const priced = line !== undefined && line.quantity === item.quantity
  const max = product ? Math.max(1, purchaseLimit(product)) : MAX_QUANTITY_PER_LINE
  return (
    <li className="flex gap-4 p-4" aria-label={name}>
      <div className="size-20 shrink-0 overflow-hidden rounded-xl bg-slate-50 sm:size-24">
        {product && <img src={product.imageUrl} alt="" width={96} height={72} className="size-full object-contain p-1" />}
      </div>
      <div className="flex min-w-0 flex-1 flex-col gap-1">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <h3 className="font-semibold text-slate-900">
            {product ? (
              <Link to={`/products/${item.productId}`} className="hover:text-blue-700 hover:underline">
                {name}
              </Link>
            ) : (
              name
            )}
          </h3>
          <p className="font-semibold text-slate-900">
            {line && priced && line.available ? formatMoney(line.lineTotal) : priced ? '—' : '…'}
          </p>
        </div>
        {line && line.unitPrice > 0 && (
          <p className="text-sm text-slate-600">
            {formatMoney(line.unitPrice)} each
            {line.mrp > line.unitPrice && (
              <>
                {' '}
                <span className="sr-only">MRP </span>
                <s>{formatMoney(line.mrp)}</s>
              </>
            )}
          </p>
        )}
        {line && priced && !line.available && (
          <p className="text-sm font-semibold text-red-700">
            <span className="sr-only">Unavailable: </span>
            {unavailableReason(line)}
          </p>
        )}
        <div className="mt-1 flex flex-wrap items-center gap-3">
          <QuantitySelect
            label={`Quantity of ${name}`}
            hideLabel
            value={item.quantity}
            max={max}
            onChange={(n) => cartStore.setQuantity(item.productId, n)}
          />
          <button
            type="button"
            onClick={() => cartStore.remove(item.productId)}
            aria-label={`Remove ${name}`}
            className={buttonClass('danger', 'px-2 py-1.5')}
          >
            Remove
          </button>
        </div>
      </div>
    </li>
  )
}

/** fixCart keeps what can still be bought: short lines shrink to the stock, the rest go. */
function fixCart(quote: Quote) {
  cartStore.replace(
    quote.lines.map((l) => ({
      productId: l.productId,
      quantity: l.available ? l.quantity : l.reason === 'insufficient_stock' ? l.stock : 0,
    })),
  )
}

function CartSummary({ quote, stale, updating }: { quote: Quote; stale: boolean; updating: boolean }) {
  const savings = quote.lines
    .filter((l) => l.available)
    .reduce((s, l) => s + Math.max(0, l.mrp - l.unitPrice) * l.quantity, 0)
  const units = quote.lines.filter((l) => l.available).reduce((n, l) => n + l.quantity, 0)
  return (
    <section aria-labelledby="summary-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200 lg:sticky lg:top-20">
      <h2 id="summary-heading" className="text-lg font-semibold">
        Order summary
      </h2>
      <dl className="mt-4 space-y-2 text-sm">
        <div className="flex justify-between">
          <dt className="text-slate-700">Items ({units})</dt>
          <dd>{stale ? '…' : formatMoney(quote.total)}</dd>
        </div>
        {savings > 0 && (
          <div className="flex justify-between text-green-800">
            <dt>You save</dt>
            <dd>{formatMoney(savings)}</dd>
          </div>
        )}
        <div className="flex justify-between border-t border-slate-200 pt-3 text-base font-bold">
          <dt>Total</dt>
          <dd data-testid="cart-total" aria-live="polite">
            {stale ? '…' : formatMoney(quote.total)}
          </dd>
        </div>
      </dl>
      {!quote.available && !stale && (
        <div role="alert" className="mt-4 rounded-lg bg-red-50 p-3 text-sm text-red-900">
          <p>Some items cannot be bought right now.</p>
          <button type="button" onClick={() => fixCart(quote)} className={buttonClass('secondary', 'mt-2 w-full')}>
            Remove unavailable items
          </button>
        </div>
      )}
      {quote.available && !stale ? (
        <Link to="/checkout" className={buttonClass('primary', 'mt-5 w-full')}>
          Proceed to checkout
        </Link>
      ) : (
        <button type="button" disabled className={buttonClass('primary', 'mt-5 w-full')}>
          Proceed to checkout
        </button>
      )}
      <p className="mt-2 min-h-5 text-center text-xs text-slate-600" aria-live="polite">
        {updating ? 'Updating prices…' : 'Prices and stock are checked again at checkout.'}
      </p>
    </section>
  )
}
