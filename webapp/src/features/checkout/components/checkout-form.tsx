import { useRef, useState, type FormEvent } from 'react'
import { Link, useNavigate } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { EmptyState, QueryFallback } from '@/components/ui/status'
import { confirmationPath, paths } from '@/config/paths'
import { ApiError, NetworkError } from '@/lib/api'
import { formatMoney } from '@/lib/format'
import { cannotRefresh } from '@/lib/query-client'
import { useNow } from '@/lib/use-now'
import { PAY_ON_DELIVERY, type Customer } from '@/types/api'
import { useQuote } from '@/features/cart/api/get-quote'
import { useCart } from '@/features/cart/store'
import { useCatalog } from '@/features/products/api/get-products'
import { attemptKey, usePlaceOrder } from '../api/place-order'
import { deliveryEstimate } from '../lib/delivery'
import {
  FIELD_LABELS,
  formatAddress,
  normalizeCustomer,
  serverFieldErrors,
  STATES,
  validateCustomer,
  validateItems,
  type CustomerErrors,
  type CustomerField,
} from '../lib/validation'
import { CheckoutProblem } from './checkout-problem'
import { SelectField, TextField } from '@/components/ui/field'
import { OrderReview } from './order-review'
import { PaymentMethod } from './payment-method'

const FIELDS = Object.keys(FIELD_LABELS) as CustomerField[]
const EMPTY: Customer = { name: '', phone: '', email: '', addressLine1: '', addressLine2: '', city: '', state: '', pinCode: '' }
const STATE_NAMES = STATES.map((s) => s.name)

export function CheckoutForm() {
  const { lines } = useCart()
  const quote = useQuote(lines)
  const catalog = useCatalog()
  const navigate = useNavigate()
  const place = usePlaceOrder()
  const now = useNow(60_000)

  const [values, setValues] = useState<Customer>(EMPTY)
  const [touched, setTouched] = useState<Partial<Record<CustomerField, boolean>>>({})
  const [submitted, setSubmitted] = useState(false)
  const [serverErrors, setServerErrors] = useState<CustomerErrors>({})
  const [itemProblems, setItemProblems] = useState<string[]>([])
  // A ref, not state: two clicks in the same frame both see the old render.
  const inFlight = useRef(false)
  const form = useRef<HTMLFormElement>(null)

  const clientErrors = validateCustomer(values)
  const errorFor = (f: CustomerField) => serverErrors[f] ?? (touched[f] || submitted ? clientErrors[f] : undefined)

  if (lines.length === 0 && !place.isPending && !place.isSuccess) {
    return (
      <EmptyState title="Your cart is empty">
        <Link to="/" className={buttonClass('primary')}>
          Browse deals
        </Link>
      </EmptyState>
    )
  }

  const productOf = (id: string) => catalog.data?.products.find((p) => p.id === id)
  const nameOf = (id: string) => quote.data?.lines.find((l) => l.productId === id)?.name ?? productOf(id)?.name ?? id
  const blocked = quote.data !== undefined && !quote.isPlaceholderData && !quote.data.available
  const offline = cannotRefresh(quote)
  const retrying = place.isPending && place.failureCount > 0
  // After a failure that may or may not have placed the order, the one
  // button sends the same attempt again.
  const again = place.isError && (place.error instanceof NetworkError || (place.error instanceof ApiError && place.error.retryable))
  const normalized = normalizeCustomer(values)
  const estimate = clientErrors.pinCode || clientErrors.state ? null : deliveryEstimate(normalized.pinCode, normalized.state, now)
  const total = quote.data && !quote.isPlaceholderData ? formatMoney(quote.data.total) : null

  function focusField(f: CustomerField) {
    form.current?.querySelector<HTMLElement>(`#checkout-${f}`)?.focus()
  }

  function submit(e?: FormEvent) {
    e?.preventDefault()
    if (inFlight.current || blocked) return
    setSubmitted(true)
    const errs = validateCustomer(values)
    const first = FIELDS.find((f) => errs[f])
    if (first) {
      focusField(first)
      return
    }
    const problems = validateItems(lines)
    setItemProblems(problems)
    if (problems.length > 0) return

    inFlight.current = true
    setServerErrors({})
    const customer = normalizeCustomer(values)
    place.mutate(
      {
        // The one-text address too: a server of the previous release (a
        // blue/green rollback) reads only that.
        req: { items: lines, customer: { ...customer, address: formatAddress(customer) }, paymentMethod: PAY_ON_DELIVERY },
        key: attemptKey.current(),
      },
      {
        onSuccess: (order) => void navigate(confirmationPath(order.id), { replace: true }),
        onError: (err) => {
          if (err instanceof ApiError && err.code === 'invalid') {
            const { customer } = serverFieldErrors(err.fields)
            setServerErrors(customer)
            const bad = FIELDS.find((f) => customer[f])
            if (bad) {
              focusField(bad)
              return
            }
          }
          // Let the alert render, then take the shopper to it.
          requestAnimationFrame(() => document.getElementById('checkout-problem')?.focus())
        },
        onSettled: () => {
          inFlight.current = false
        },
      },
    )
  }

  function change(f: CustomerField, v: string) {
    setValues((old) => ({ ...old, [f]: v }))
    if (serverErrors[f]) setServerErrors(({ [f]: _, ...rest }) => rest)
  }

  const field = (f: CustomerField) => ({
    id: `checkout-${f}`,
    name: f,
    label: FIELD_LABELS[f],
    value: values[f],
    error: errorFor(f),
    required: f !== 'addressLine2',
    onChange: (e: { target: { value: string } }) => change(f, e.target.value),
    onBlur: () => setTouched((t) => ({ ...t, [f]: true })),
  })

  let label = `Place order${total ? ` · ${total}` : ''}`
  if (again) label = `Try again${total ? ` · ${total}` : ''}`
  if (place.isPending) label = retrying ? 'Retrying…' : 'Placing order…'

  return (
    <form
      ref={form}
      noValidate
      onSubmit={submit}
      aria-label="Checkout"
      className="grid items-start gap-5 lg:grid-cols-[1fr_22rem] lg:gap-6"
    >
      <section aria-labelledby="delivery-heading" className="space-y-5 rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
        <h2 id="delivery-heading" className="text-lg font-semibold">
          Delivery address
        </h2>
        <TextField {...field('name')} autoComplete="name" maxLength={200} />
        <div className="grid gap-5 sm:grid-cols-2">
          <TextField {...field('phone')} type="tel" autoComplete="tel-national" inputMode="tel" hint="10 digits, e.g. 98765 43210" />
          <TextField {...field('email')} type="email" autoComplete="email" inputMode="email" hint="For your order confirmation" />
        </div>
        <TextField {...field('addressLine1')} autoComplete="address-line1" hint="Flat or house number, building, street" maxLength={300} />
        <TextField {...field('addressLine2')} autoComplete="address-line2" hint="Area, landmark (optional)" maxLength={300} />
        <div className="grid gap-5 sm:grid-cols-3">
          <TextField {...field('pinCode')} autoComplete="postal-code" inputMode="numeric" maxLength={7} hint="6 digits" />
          <TextField {...field('city')} autoComplete="address-level2" maxLength={120} />
          <SelectField {...field('state')} autoComplete="address-level1" options={STATE_NAMES} placeholder="Choose…" />
        </div>
      </section>

      <PaymentMethod />

      {/* Before the button on phones; beside the form on wide screens. */}
      <aside aria-label="Order summary" className="lg:sticky lg:top-20 lg:col-start-2 lg:row-span-3 lg:row-start-1">
        {quote.data ? (
          <OrderReview quote={quote.data} estimate={estimate} stale={offline} productOf={productOf} />
        ) : (
          <QueryFallback query={quote} label="Pricing your cart…" title="Could not price your cart" />
        )}
      </aside>

      <div className="sticky bottom-0 z-10 -mx-3 space-y-3 border-t border-slate-200 bg-white/95 px-4 py-3 backdrop-blur sm:-mx-4 lg:static lg:mx-0 lg:border-0 lg:bg-transparent lg:p-0">
        {itemProblems.length > 0 && (
          <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
            <ul className="list-disc pl-5">
              {itemProblems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        )}
        {place.isError && !place.isPending && (
          <CheckoutProblem
            error={place.error}
            lines={lines}
            nameOf={nameOf}
            productOf={productOf}
            now={now}
            onCartChanged={() => place.reset()}
          />
        )}
        <div role="status" aria-live="polite" className="text-sm">
          {retrying ? (
            <p className="rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-900">
              <span className="block text-base font-semibold">High demand — retrying…</span>
              Lots of shoppers are checking out right now. Keep this page open: we are retrying your order and it will
              only ever be placed once.
            </p>
          ) : place.isPending ? (
            <p className="text-slate-700">Placing your order…</p>
          ) : null}
        </div>
        <button type="submit" disabled={place.isPending || blocked || offline} className={buttonClass('primary', 'w-full py-3 text-base')}>
          {label}
        </button>
        {blocked && (
          <p className="text-sm text-red-700">
            Some items in your cart cannot be bought right now.{' '}
            <Link to={paths.cart} className="font-semibold underline">
              Review your cart
            </Link>
          </p>
        )}
      </div>
    </form>
  )
}
