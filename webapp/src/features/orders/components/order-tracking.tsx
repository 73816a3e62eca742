import { Link } from 'react-router'
import { EmptyState, QueryFallback } from '@/components/ui/status'
import { orderPath, paths } from '@/config/paths'
import { ApiError } from '@/lib/api'
import { formatDateTime } from '@/lib/format'
import { PAY_ON_DELIVERY } from '@/types/api'
import { deliveryEstimate } from '@/features/checkout/lib/delivery'
import { useOrder } from '../api/get-orders'
import { OrderItems } from './order-items'
import { OrderStatusBadge } from './order-status-badge'
import { OrderTimeline } from './order-timeline'

/** OrderTracking is one order, refreshed every few seconds while open. */
export function OrderTracking({ id, confirmation = false }: { id: string; confirmation?: boolean }) {
  const order = useOrder(id, { poll: true })
  if (!order.data) {
    if (order.error instanceof ApiError && order.error.status === 404) {
      return (
        <>
          <title>Order not found – FlashScale</title>
          <EmptyState title="Order not found" heading="h1">
            <p>
              We could not find order {id} for you.{' '}
              <Link to={paths.orders} className="font-semibold text-blue-700 underline">
                See your orders
              </Link>
            </p>
          </EmptyState>
        </>
      )
    }
    return <QueryFallback query={order} label="Loading your order…" />
  }
  const o = order.data
  const estimate = o.customer.pinCode && o.customer.state ? deliveryEstimate(o.customer.pinCode, o.customer.state, Date.parse(o.createdAt)) : null
  return (
    <div className="space-y-6">
      {confirmation ? (
        <section aria-labelledby="thanks" className="rounded-3xl bg-green-700 p-6 text-white sm:p-8 on-dark">
          <p className="text-sm font-semibold tracking-widest text-green-100 uppercase">Order confirmed</p>
          <h1 id="thanks" className="mt-1 text-2xl font-bold sm:text-3xl">
            Thank you, {o.customer.name.split(' ')[0]}! Your order is placed.
          </h1>
          <p className="mt-2 text-green-50">
            Order number <span className="font-mono font-semibold">{o.id}</span>. Follow it here: this page updates as
            your order moves.
          </p>
        </section>
      ) : (
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">
            Order <span className="font-mono">{o.id}</span>
          </h1>
          <OrderStatusBadge status={o.status} />
        </div>
      )}
      <section aria-labelledby="progress-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
        <div className="mb-5 flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="progress-heading" className="text-lg font-semibold">
            Delivery status
          </h2>
          <p className="text-xs text-slate-600" aria-live="polite">
            {o.status === 'Delivered' ? 'Delivered' : `Current status: ${o.status}. Updates automatically.`}
          </p>
        </div>
        <OrderTimeline order={o} />
      </section>
      <div className="grid gap-6 md:grid-cols-2">
        <section aria-labelledby="items-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200">
          <h2 id="items-heading" className="text-lg font-semibold">
            Items
          </h2>
          <OrderItems order={o} />
        </section>
        <section aria-labelledby="ship-heading" className="rounded-2xl bg-white p-5 ring-1 ring-slate-200">
          <h2 id="ship-heading" className="text-lg font-semibold">
            Delivering to
          </h2>
          <address className="mt-2 text-sm break-words whitespace-pre-line text-slate-800 not-italic">
            {o.customer.name}
            {'\n'}
            {o.customer.address}
            {'\n'}
            {o.customer.phone} · {o.customer.email}
          </address>
          {o.paymentMethod && (
            <p className="mt-4 text-sm text-slate-800">
              <span className="font-semibold">Payment:</span> {paymentLabel(o.paymentMethod)}
            </p>
          )}
          {estimate && o.status !== 'Delivered' && (
            <p className="mt-2 text-sm text-slate-800">
              <span className="font-semibold">Expected delivery:</span> {estimate.text}
            </p>
          )}
          <p className="mt-4 text-xs text-slate-600">Placed {formatDateTime(o.createdAt)}</p>
        </section>
      </div>
      <p className="flex flex-wrap gap-4 text-sm">
        {confirmation && (
          <Link to={orderPath(o.id)} className="font-semibold text-blue-700 underline">
            Track this order
          </Link>
        )}
        <Link to={paths.orders} className="font-semibold text-blue-700 underline">
          All orders
        </Link>
        <Link to="/" className="font-semibold text-blue-700 underline">
          Continue shopping
        </Link>
      </p>
    </div>
  )
}

function paymentLabel(method: string): string {
  return method === PAY_ON_DELIVERY ? 'Pay on delivery: cash or UPI' : method
}
