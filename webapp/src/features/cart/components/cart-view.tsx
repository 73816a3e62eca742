import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { QuantitySelect } from '@/components/ui/quantity-select'
import { EmptyState, ErrorPanel, Spinner } from '@/components/ui/status'
import { paths, productPath } from '@/config/paths'
import { formatMoney } from '@/lib/format'
import { cannotRefresh, transient } from '@/lib/query-client'
import { useNow } from '@/lib/use-now'
import type { Product, Quote, QuoteLine } from '@/types/api'
import { useCatalog } from '@/features/products/api/get-products'
import { purchaseLimit } from '@/features/products/lib/sale'
import { useQuote } from '../api/get-quote'
import { fixedQuantity, unavailableReason } from '../lib/reasons'
import { cartStore, MAX_QUANTITY_PER_LINE, useCart, type CartItem } from '../store'

export function CartView() {
  const { items, lines } = useCart()
  const quote = useQuote(lines, { poll: true })
  const catalog = useCatalog()
  const now = useNow(5_000)
  const byId = new Map((catalog.data?.products ?? []).map((p) => [p.id, p]))

  if (items.length === 0) {
    return (
      <EmptyState title="Your cart is empty">
        <Link to="/" className={buttonClass('primary')}>
          Browse deals
        </Link>
      </EmptyState>
    )
  }
  // Unreachable shop: the cart is still the shopper's, shown as last seen.
  const offline = quote.data ? cannotRefresh(quote) : quote.failureCount > 0 && transient(quote.failureReason)
  if (!quote.data && !offline) {
    if (quote.isPending) return <Spinner label="Pricing your cart…" />
    return <ErrorPanel error={quote.error} onRetry={() => void quote.refetch()} />
  }

  const q = quote.data
  // Lines come from the cart itself so that edits show at once; prices come
  // from the (possibly previous) quote until the server re-prices.
  const quoted = new Map(q?.lines.map((l) => [l.productId, l]))
  const stale = quote.isPlaceholderData
  return (
    <div className="grid items-start gap-6 lg:grid-cols-[1fr_22rem]">
      {offline && (
        <div role="status" className="rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 lg:col-span-2">
          <p className="font-semibold">Connection problem: prices may have changed.</p>
          <p className="mt-1">
            Your cart is safe on this device. We cannot reach the shop to check prices and stock, so checkout waits until
            we can; this page updates by itself.
          </p>
        </div>
      )}
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
              now={now}
              offline={offline}
            />
          ))}
        </ul>
      </section>
      <CartSummary items={items} quote={q} stale={stale} updating={quote.isFetching && !offline} offline={offline} />
    </div>
  )
}

function CartLine({ item, line, product, now, offline }: {
  item: CartItem
  line?: QuoteLine
  product?: Product
  now: number
  offline: boolean
}) {
  const name = line?.name ?? product?.name ?? item.name ?? item.productId
  const priced = line !== undefined && line.quantity === item.quantity
  const soldOut = priced && (line.reason === 'sold_out' || line.reason === 'not_found' || line.reason === 'sale_not_active')
  // Never offer more than checkout would take: stock, 10, and what the
  // shopper may still buy of a capped deal (a guest, who has no allowance
  // yet, the cap itself).
  const cap = product?.maxPerShopper && product.maxPerShopper > 0 ? product.maxPerShopper : undefined
  const max = line
    ? Math.max(1, Math.min(MAX_QUANTITY_PER_LINE, line.stock, line.remainingForShopper ?? cap ?? MAX_QUANTITY_PER_LINE))
    : product
      ? Math.max(1, purchaseLimit(product))
      : MAX_QUANTITY_PER_LINE
  const image = product?.imageUrl ?? item.imageUrl
  const unitPrice = line?.unitPrice ?? product?.price ?? item.unitPrice
  return (
    <li className="flex gap-3 p-4 sm:gap-4" aria-label={name}>
      <div className="size-16 shrink-0 overflow-hidden rounded-xl bg-slate-50 sm:size-24">
        {image && <img src={image} alt="" width={96} height={72} className="size-full object-contain p-1" />}
      </div>
      <div className="flex min-w-0 flex-1 flex-col gap-1">
        <div className="flex flex-wrap items-start justify-between gap-x-2">
          <h3 className="min-w-0 font-semibold break-words text-slate-900">
            <Link to={productPath(item.productId)} className="hover:text-blue-700 hover:underline">
              {name}
            </Link>
          </h3>
          <p className="font-semibold text-slate-900">
            {line && priced && line.available && !offline ? formatMoney(line.lineTotal) : priced || offline ? '—' : '…'}
          </p>
        </div>
        {unitPrice !== undefined && unitPrice > 0 && (
          <p className="text-sm text-slate-600">
            {offline && 'Last seen at '}
            {formatMoney(unitPrice)} each
            {line && line.mrp > line.unitPrice && (
              <>
                {' '}
                <span className="sr-only">MRP </span>
                <s>{formatMoney(line.mrp)}</s>
              </>
            )}
          </p>
        )}
        {cap !== undefined && line && priced && line.available && !offline && (
          <p className="text-sm text-slate-700">{allowanceText(cap, line.remainingForShopper)}</p>
        )}
        {line && priced && !line.available && (
          <p className="text-sm font-semibold text-red-700">
            <span className="sr-only">Unavailable: </span>
            {unavailableReason(line, product, now)}
          </p>
        )}
        <div className="mt-1 flex flex-wrap items-center gap-3">
          {/* A line that cannot be bought at all shows no quantity: it would be a stale promise. */}
          {!soldOut && (
            <QuantitySelect
              label={`Quantity of ${name}`}
              hideLabel
              value={item.quantity}
              max={max}
              onChange={(n) => cartStore.setQuantity(item.productId, n)}
            />
          )}
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

/** allowanceText states a capped deal's limit and, once some are bought, what is left: "You can buy 1 more". */
function allowanceText(cap: number, remaining: number | undefined): string {
  const bought = remaining === undefined ? 0 : cap - remaining
  if (remaining === undefined || bought <= 0) return `Limit ${cap} per shopper.`
  return `Limit ${cap} per shopper. You have bought ${bought}; you can buy ${remaining} more.`
}

/** fixCart keeps what can still be bought: short or capped lines shrink, the rest go. */
function fixCart(quote: Quote) {
  cartStore.replace(quote.lines.map((l) => ({ productId: l.productId, quantity: fixedQuantity(l) })))
}

function CartSummary({ items, quote, stale, updating, offline }: {
  items: CartItem[]
  quote?: Quote
  stale: boolean
  updating: boolean
  offline: boolean
}) {
  const available = quote?.lines.filter((l) => l.available) ?? []
  const savings = available.reduce((s, l) => s + Math.max(0, l.mrp - l.unitPrice) * l.quantity, 0)
  const units = quote && !offline ? available.reduce((n, l) => n + l.quantity, 0) : items.reduce((n, i) => n + i.quantity, 0)
  const total = !quote || stale || offline ? '…' : formatMoney(quote.total)
  const ready = quote !== undefined && quote.available && !stale && !offline
  const proceed = (extra: string) =>
    ready ? (
      <Link to={paths.checkout} className={buttonClass('primary', extra)}>
        Proceed to checkout
      </Link>
    ) : (
      <button type="button" disabled className={buttonClass('primary', extra)}>
        Proceed to checkout
      </button>
    )
  return (
    <>
      <section aria-labelledby="summary-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200 lg:sticky lg:top-20">
        <h2 id="summary-heading" className="text-lg font-semibold">
          Order summary
        </h2>
        <dl className="mt-4 space-y-2 text-sm">
          <div className="flex justify-between">
            <dt className="text-slate-700">Items ({units})</dt>
            <dd>{total}</dd>
          </div>
          {savings > 0 && !offline && (
            <div className="flex justify-between text-green-800">
              <dt>You save</dt>
              <dd>{formatMoney(savings)}</dd>
            </div>
          )}
          <div className="flex justify-between border-t border-slate-200 pt-3 text-base font-bold">
            <dt>Total</dt>
            <dd data-testid="cart-total" aria-live="polite">
              {total}
            </dd>
          </div>
        </dl>
        {quote && !quote.available && !stale && !offline && (
          <div role="alert" className="mt-4 rounded-lg bg-red-50 p-3 text-sm text-red-900">
            <p>Some items cannot be bought as they are.</p>
            <button type="button" onClick={() => fixCart(quote)} className={buttonClass('secondary', 'mt-2 w-full')}>
              Update my cart to what is left
            </button>
          </div>
        )}
        {proceed('mt-5 w-full max-lg:hidden')}
        <p className="mt-2 min-h-5 text-center text-xs text-slate-600" aria-live="polite">
          {offline ? 'Checkout waits for the connection.' : updating ? 'Updating prices…' : 'Prices and stock are checked again at checkout.'}
        </p>
      </section>
      {/* On phones the total and the way on stay at the bottom of the screen. */}
      <div className="sticky bottom-0 -mx-3 flex sm:-mx-4 items-center gap-3 border-t border-slate-200 bg-white/95 px-4 py-3 backdrop-blur lg:hidden">
        <p className="text-sm">
          <span className="block text-slate-600">Total</span>
          <span className="text-lg font-bold">{total}</span>
        </p>
        {proceed('flex-1')}
      </div>
    </>
  )
}
