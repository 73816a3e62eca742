import { cx } from '@/lib/cx'

const styles: Record<string, string> = {
  blue: 'bg-blue-700 text-white',
  green: 'bg-green-700 text-white',
}

/** ColorBadge names the deployment colour in words as well as colour. */
export function ColorBadge({ color }: { color: string }) {
  const known = color === 'blue' || color === 'green'
  return (
    <span
      data-testid="color-badge"
      className={cx(
        'inline-flex items-center gap-2 rounded-full px-3 py-1 text-sm font-bold',
        known ? styles[color] : 'bg-slate-200 text-slate-800',
      )}
    >
      <span aria-hidden="true" className={cx('size-2.5 rounded-full', known ? 'bg-white' : 'bg-slate-500')} />
      {known ? color : color || 'none'}
    </span>
  )
}
