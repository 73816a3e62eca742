import { cx } from '@/lib/cx'
import { formatDateTime } from '@/lib/format'
import { ORDER_STATUSES, type Order } from '@/types/api'

/** OrderTimeline shows every status of the lifecycle, reached or not. */
export function OrderTimeline({ order }: { order: Order }) {
  const reachedAt = new Map(order.history.map((h) => [h.status, h.at]))
  const current = ORDER_STATUSES.indexOf(order.status)
  return (
    <ol aria-label="Order progress" className="grid gap-0 sm:grid-cols-4">
      {ORDER_STATUSES.map((status, i) => {
        const done = i <= current
        const at = reachedAt.get(status)
        return (
          <li
            key={status}
            aria-current={i === current ? 'step' : undefined}
            className="relative flex gap-3 pb-6 last:pb-0 sm:flex-col sm:items-center sm:pb-0 sm:text-center"
          >
            {i < ORDER_STATUSES.length - 1 && (
              <span
                aria-hidden="true"
                className={cx(
                  'absolute top-8 left-[15px] h-[calc(100%-2rem)] w-0.5 sm:top-[15px] sm:left-[calc(50%+1rem)] sm:h-0.5 sm:w-[calc(100%-2rem)]',
                  i < current ? 'bg-green-600' : 'bg-slate-300',
                )}
              />
            )}
            <span
              aria-hidden="true"
              className={cx(
                'relative z-10 flex size-8 shrink-0 items-center justify-center rounded-full border-2 text-sm font-bold',
                done ? 'border-green-600 bg-green-600 text-white' : 'border-slate-300 bg-white text-slate-500',
                i === current && 'ring-4 ring-green-100',
              )}
            >
              {done ? '✓' : i + 1}
            </span>
            <span className="sm:mt-2">
              <span className={cx('block font-semibold', done ? 'text-slate-900' : 'text-slate-600')}>
                {status}
                <span className="sr-only">{done ? ' (done)' : ' (pending)'}</span>
              </span>
              <span className="block text-xs text-slate-600">{at ? formatDateTime(at) : 'Pending'}</span>
            </span>
          </li>
        )
      })}
    </ol>
  )
}
