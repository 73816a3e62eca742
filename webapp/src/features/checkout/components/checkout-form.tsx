import { useRef, useState, type FormEvent } from 'react'
import { Link, useNavigate } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { EmptyState, ErrorPanel, Spinner } from '@/components/ui/status'
import { ApiError } from '@/lib/api'
import { formatMoney } from '@/lib/format'
import type { Customer } from '@/types/api'
import { useQuote } from '@/features/cart/api/get-quote'
import { useCart } from '@/features/cart/store'
import { useProducts } from '@/features/products/api/get-products'
import { attemptKey, usePlaceOrder } from '../api/place-order'
import {
  FIELD_LABELS,
  normalizeCustomer,
  serverFieldErrors,
  validateCustomer,
  validateItems,
  type CustomerErrors,
  type CustomerField,
} from '../lib/validation'
import { CheckoutProblem } from './checkout-problem'
import { TextAreaField, TextField } from './field'
import { OrderReview } from './order-review'

const FIELDS = Object.keys(FIELD_LABELS) as CustomerField[]
const EMPTY: Customer = { name: '', email: '', phone: '', address: '' }

export function CheckoutForm() {
  const { items } = useCart()
  const quote = useQuote(items)
  const products = useProducts()
  const navigate = useNavigate()
  const place = usePlaceOrder()

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

  if (items.length === 0 && !place.isPending && !place.isSuccess) {
    return (
      <EmptyState title="Your cart is empty">
        <Link to="/" className={buttonClass('primary')}>
          Browse deals
        </Link>
      </EmptyState>
    )
  }

  const nameOf = (id: string) =>
    quote.data?.lines.find((l) => l.productId === id)?.name ?? products.data?.find((p) => p.id === id)?.name ?? id
  const blocked = quote.data !== undefined && !quote.isPlaceholderData && !quote.data.available
  const retrying = place.isPending && place.failureCount > 0

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
    const problems = validateItems(items)
    setItemProblems(problems)
    if (problems.length > 0) return

    inFlight.current = true
    setServerErrors({})
    place.mutate(
      { req: { items, customer: normalizeCustomer(values) }, key: attemptKey.current() },
      {
        onSuccess: (order) => void navigate(`/orders/${encodeURIComponent(order.id)}/confirmation`, { replace: true }),
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
    required: true,
    onChange: (e: { target: { value: string } }) => change(f, e.target.value),
    onBlur: () => setTouched((t) => ({ ...t, [f]: true })),
  })

  return (
    <div className="grid items-start gap-6 lg:grid-cols-[1fr_22rem]">
      <form ref={form} noValidate onSubmit={submit} aria-labelledby="delivery-heading" className="space-y-5 rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
        <h2 id="delivery-heading" className="text-lg font-semibold">
          Delivery details
        </h2>
        <TextField {...field('name')} autoComplete="name" maxLength={200} />
        <div className="grid gap-5 sm:grid-cols-2">
          <TextField {...field('email')} type="email" autoComplete="email" inputMode="email" />
          <TextField {...field('phone')} type="tel" autoComplete="tel" inputMode="tel" hint="10 to 15 digits, e.g. +91 98765 43210" />
        </div>
        <TextAreaField {...field('address')} rows={3} autoComplete="street-address" hint="House, street, city and PIN code" />

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
            nameOf={nameOf}
            onRetry={() => submit()}
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
        <button type="submit" disabled={place.isPending || blocked} className={buttonClass('primary', 'w-full py-3 text-base')}>
          {place.isPending
            ? retrying
              ? 'Retrying…'
              : 'Placing order…'
            : `Place order${quote.data && !quote.isPlaceholderData ? ` · ${formatMoney(quote.data.total)}` : ''}`}
        </button>
        {blocked && (
          <p className="text-sm text-red-700">
            Some items in your cart cannot be bought right now.{' '}
            <Link to="/cart" className="font-semibold underline">
              Review your cart
            </Link>
          </p>
        )}
      </form>
      <aside aria-label="Order summary">
        {quote.isPending ? (
          <Spinner label="Pricing your cart…" />
        ) : quote.data ? (
          <OrderReview quote={quote.data} />
        ) : (
          <ErrorPanel error={quote.error} onRetry={() => void quote.refetch()} title="Could not price your cart" />
        )}
      </aside>
    </div>
  )
}
