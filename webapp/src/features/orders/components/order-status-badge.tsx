import { cx } from '@/lib/cx'
import type { OrderStatus } from '@/types/api'

const styles: Record<OrderStatus, string> = {
  Processing: 'bg-amber-100 text-amber-900',
  Shipped: 'bg-blue-100 text-blue-900',
  'Out for Delivery': 'bg-indigo-100 text-indigo-900',
  Delivered: 'bg-green-100 text-green-900',
}

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  return (
    <span className={cx('inline-block rounded-full px-2.5 py-0.5 text-xs font-semibold', styles[status] ?? 'bg-slate-100')}>
      {status}
    </span>
  )
}
