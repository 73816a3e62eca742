import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { paths } from '@/config/paths'
import { ApiError, NetworkError, type Shortage } from '@/lib/api'
import { formatWhen } from '@/lib/format'
import type { LineRequest, Product } from '@/types/api'
import { cartStore } from '@/features/cart/store'
import { saleState } from '@/features/products/lib/sale'
import { serverFieldErrors } from '../lib/validation'

interface Props {
  error: Error
  /** The cart as sent: a line's field (items[i]) names its index here. */
  lines: LineRequest[]
  nameOf: (productId: string) => string
  productOf: (productId: string) => Product | undefined
  now: number
  onCartChanged: () => void
}

/**
 * CheckoutProblem explains a failed checkout and offers the way forward.
 * Where sending the same attempt again is the way, the form's own button
 * does it ("Try again"): one button, never two.
 */
export function CheckoutProblem({ error, lines, nameOf, productOf, now, onCartChanged }: Props) {
  if (error instanceof NetworkError) {
    return (
      <Problem title="We could not reach the shop">
        <p>
          Your order may or may not have gone through. Press Try again when you are back online: it can never place the
          same order twice.
        </p>
      </Problem>
    )
  }
  if (!(error instanceof ApiError)) {
    return (
      <Problem title="Something went wrong">
        <p>{error.message}</p>
      </Problem>
    )
  }
  const fix = (shortages: Shortage[], label: string) => (
    <button
      type="button"
      onClick={() => {
        updateCart(shortages)
        onCartChanged()
      }}
      className={buttonClass('secondary', 'mt-3')}
    >
      {label}
    </button>
  )
  switch (error.code) {
    case 'sold_out':
      return (
        <Problem title="Some items sold out while you were checking out">
          <ul className="mt-1 list-disc pl-5">
            {error.products.map((s) => (
              <li key={s.productId}>{shortageText(s, nameOf(s.productId))}</li>
            ))}
          </ul>
          {fix(error.products, 'Update my cart to what is left')}
        </Problem>
      )
    case 'purchase_limit':
      return (
        <Problem title="Your cart is over a per-shopper limit">
          <ul className="mt-1 list-disc pl-5">
            {error.products.map((s) => (
              <li key={s.productId}>{limitText(s, nameOf(s.productId))}</li>
            ))}
          </ul>
          {error.products.length > 0 ? fix(error.products, 'Lower my cart to what I can buy') : <p>{error.message}</p>}
        </Problem>
      )
    case 'sale_not_active': {
      const closed = Object.keys(error.fields).flatMap((f) => {
        const line = lines[Number(/^items\[(\d+)\]/.exec(f)?.[1])]
        return line ? [line.productId] : []
      })
      return (
        <Problem title="A deal in your cart is not on sale right now">
          <ul className="mt-1 list-disc pl-5">
            {closed.map((id) => (
              <li key={id}>{saleText(nameOf(id), productOf(id), now)}</li>
            ))}
          </ul>
          <p className="mt-2">
            <Link to={paths.cart} className="font-semibold underline">
              Review your cart
            </Link>
          </p>
        </Problem>
      )
    }
    case 'invalid': {
      const { other } = serverFieldErrors(error.fields)
      return (
        <Problem title="Please check your details">
          <p>{other.length > 0 ? 'The shop could not accept this order:' : 'Correct the highlighted fields and try again.'}</p>
          {other.length > 0 && (
            <ul className="mt-1 list-disc pl-5">
              {other.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
        </Problem>
      )
    }
    case 'idempotency_key_reused':
      return (
        <Problem title="Your earlier attempt may already have placed an order">
          <p>
            Please check{' '}
            <Link to={paths.orders} className="font-semibold underline">
              your orders
            </Link>{' '}
            before ordering again. Submitting again now places a new order.
          </p>
        </Problem>
      )
    case 'overloaded':
    case 'draining':
    case 'unavailable':
    case 'internal':
      return (
        <Problem title="The shop is very busy right now">
          <p>Your order has not been placed yet. Press Try again in a moment: it can never order twice.</p>
        </Problem>
      )
    default:
      return (
        <Problem title="We could not place your order">
          <p>{error.message}</p>
        </Problem>
      )
  }
}

function Problem({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div role="alert" tabIndex={-1} id="checkout-problem" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
      <p className="text-base font-semibold">{title}</p>
      <div className="mt-1">{children}</div>
    </div>
  )
}

function saleText(name: string, product: Product | undefined, now: number): string {
  const sale = product ? saleState(product, now) : null
  if (sale?.kind === 'upcoming') return `${name}: coming soon, the deal opens ${formatWhen(sale.startsAt, now)}`
  if (sale?.kind === 'ended') return `${name}: this deal has ended`
  return `${name}: not on sale right now`
}

function shortageText(s: Shortage, name: string): string {
  if (s.available <= 0) return `${name}: sold out`
  return `${name}: you asked for ${s.requested}, only ${s.available} left`
}

function limitText(s: Shortage, name: string): string {
  if (s.available <= 0) return `${name}: you have already bought the most you can`
  return `${name}: you can buy ${s.available} more, you asked for ${s.requested}`
}

/** updateCart lowers each short or capped line to what is allowed; 0 removes it. */
function updateCart(shortages: Shortage[]) {
  const short = new Map(shortages.map((s) => [s.productId, s.available]))
  cartStore.replace(
    cartStore.getSnapshot().map((i) => ({
      productId: i.productId,
      quantity: short.has(i.productId) ? Math.min(i.quantity, short.get(i.productId) ?? 0) : i.quantity,
    })),
  )
}
