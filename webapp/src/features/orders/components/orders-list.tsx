import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { EmptyState, QueryFallback } from '@/components/ui/status'
import { orderPath } from '@/config/paths'
import { formatDateTime, formatMoney } from '@/lib/format'
import { useOrders } from '../api/get-orders'
import { OrderStatusBadge } from './order-status-badge'

export function OrdersList() {
  const orders = useOrders()
  if (!orders.data) return <QueryFallback query={orders} label="Loading your orders…" />
  const all = orders.data.pages.flatMap((p) => p.orders)
  if (all.length === 0) {
    return (
      <EmptyState title="No orders yet">
        <Link to="/" className={buttonClass('primary')}>
          Browse deals
        </Link>
      </EmptyState>
    )
  }
  return (
    <div className="space-y-4">
      <ul className="space-y-3">
        {all.map((o) => {
          const units = o.items.reduce((n, i) => n + i.quantity, 0)
          return (
            <li key={o.id}>
              <Link
                to={orderPath(o.id)}
                className="flex flex-wrap items-center justify-between gap-3 rounded-2xl bg-white p-4 ring-1 ring-slate-200 hover:ring-blue-300"
              >
                <span className="min-w-0">
                  <span className="block font-semibold text-slate-900">
                    Order <span className="font-mono">{o.id}</span>
                  </span>
                  <span className="block truncate text-sm text-slate-600">
                    {formatDateTime(o.createdAt)} · {units} {units === 1 ? 'item' : 'items'} ·{' '}
                    {o.items.map((i) => i.name).join(', ')}
                  </span>
                </span>
                <span className="flex items-center gap-3">
                  <OrderStatusBadge status={o.status} />
                  <span className="font-semibold">{formatMoney(o.total)}</span>
                </span>
              </Link>
            </li>
          )
        })}
      </ul>
      {orders.hasNextPage && (
        <button
          type="button"
          onClick={() => void orders.fetchNextPage()}
          disabled={orders.isFetchingNextPage}
          className={buttonClass('secondary', 'w-full')}
        >
          {orders.isFetchingNextPage ? 'Loading…' : 'Load more orders'}
        </button>
      )}
    </div>
  )
}
