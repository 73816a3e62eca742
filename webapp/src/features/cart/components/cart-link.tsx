import { NavLink } from 'react-router'
import { paths } from '@/config/paths'
import { cx } from '@/lib/cx'
import { useCart } from '../store'

/**
 * CartLink's accessible name is its visible text ("Cart 2") and then what
 * the eye gets from the badge: "Cart 2 items" (WCAG 2.5.3, label in name).
 */
export function CartLink() {
  const { units } = useCart()
  return (
    <NavLink
      to={paths.cart}
      className={({ isActive }) =>
        cx(
          'relative inline-flex shrink-0 items-center gap-1 rounded-lg px-2 py-2 text-sm font-semibold hover:bg-slate-100 sm:gap-1.5 sm:px-3',
          isActive ? 'text-blue-700' : 'text-slate-800',
        )
      }
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M3 4h2l2.4 11.2a1 1 0 0 0 1 .8h9.2a1 1 0 0 0 1-.8L20 8H6.2" strokeLinecap="round" strokeLinejoin="round" />
        <circle cx="9" cy="20" r="1.5" />
        <circle cx="17" cy="20" r="1.5" />
      </svg>
      {/* One inline run of text, so the name reads as the text does. */}
      <span>
        Cart{' '}
        <span
          className={cx(
            'inline-block min-w-5 rounded-full px-1.5 text-center text-xs font-bold',
            units > 0 ? 'bg-amber-300 text-slate-900' : 'bg-slate-100 text-slate-700',
          )}
        >
          {units}
        </span>{' '}
        <span className="sr-only">{units === 1 ? 'item' : 'items'}</span>
      </span>
    </NavLink>
  )
}
