import { cx } from '@/lib/cx'
import { discountPercent, formatMoney } from '@/lib/format'

export function PriceTag({ price, mrp, size = 'md' }: { price: number; mrp: number; size?: 'md' | 'lg' }) {
  const off = discountPercent(price, mrp)
  return (
    <p className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
      <span className={cx('font-bold text-slate-900', size === 'lg' ? 'text-3xl' : 'text-lg')}>
        <span className="sr-only">Price </span>
        {formatMoney(price)}
      </span>
      {off > 0 && (
        <>
          <span className="text-sm text-slate-600">
            <span className="sr-only">MRP </span>
            <s>{formatMoney(mrp)}</s>
          </span>
          <span className="text-sm font-semibold text-green-700">{off}% off</span>
        </>
      )}
    </p>
  )
}
