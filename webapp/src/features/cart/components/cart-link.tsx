import { NavLink } from 'react-router'
import { cx } from '@/lib/cx'
import { useCart } from '../store'

export function CartLink() {
  const { units } = useCart()
  return (
    <NavLink
      to="/cart"
      aria-label={`Cart, ${units} ${units === 1 ? 'item' : 'items'}`}
      className={({ isActive }) =>
        cx(
          'relative inline-flex items-center gap-1.5 rounded-lg px-2 py-2 text-sm font-semibold hover:bg-slate-100 sm:px-3',
          isActive ? 'text-blue-700' : 'text-slate-800',
        )
      }
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M3 4h2l2.4 11.2a1 1 0 0 0 1 .8h9.2a1 1 0 0 0 1-.8L20 8H6.2" strokeLinecap="round" strokeLinejoin="round" />
        <circle cx="9" cy="20" r="1.5" />
        <circle cx="17" cy="20" r="1.5" />
      </svg>
      <span className="hidden sm:inline">Cart</span>
      {units > 0 && (
        <span className="min-w-5 rounded-full bg-amber-300 px-1.5 text-center text-xs font-bold text-slate-900">
          {units}
        </span>
      )}
    </NavLink>
  )
}
