import { Suspense, useEffect, useRef } from 'react'
import { Link, NavLink, Outlet, ScrollRestoration, useLocation, useNavigation } from 'react-router'
import { Spinner } from '@/components/ui/status'
import { paths } from '@/config/paths'
import { cx } from '@/lib/cx'
import { AccountMenu } from '@/features/account/components/account-menu'
import { CartLink } from '@/features/cart/components/cart-link'

function Logo() {
  return (
    <Link to="/" className="flex shrink-0 items-center gap-2 rounded-lg text-lg font-extrabold tracking-tight text-slate-900">
      <span aria-hidden="true" className="flex size-8 items-center justify-center rounded-lg bg-amber-300">
        <svg viewBox="0 0 24 24" className="size-5 text-slate-900" fill="currentColor">
          <path d="M13 2 4 14h7l-1 8 9-12h-7l1-8z" />
        </svg>
      </span>
      {/* Below 360 px the mark alone names the shop, so the header fits 320 px. */}
      <span className="max-[359px]:sr-only">
        Flash<span className="text-blue-700">Scale</span>
      </span>
    </Link>
  )
}

const navClass = ({ isActive }: { isActive: boolean }) =>
  cx('shrink-0 rounded-lg px-2 py-2 text-sm font-semibold hover:bg-slate-100 sm:px-3', isActive ? 'text-blue-700' : 'text-slate-800')

export function AppLayout() {
  const { pathname } = useLocation()
  const navigation = useNavigation()
  const main = useRef<HTMLElement>(null)
  const shown = useRef(pathname)

  // A client-side navigation is silent for screen readers; moving focus to
  // the new page's content announces it and restarts tabbing there. The
  // first page load keeps the browser's own focus.
  useEffect(() => {
    if (shown.current === pathname) return
    shown.current = pathname
    main.current?.focus({ preventScroll: true })
  }, [pathname])

  return (
    <div className="flex min-h-dvh flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-lg focus:bg-white focus:px-4 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/95 backdrop-blur">
        {navigation.state === 'loading' && (
          <div role="progressbar" aria-label="Loading page" className="absolute inset-x-0 top-0 h-0.5 animate-pulse bg-blue-700" />
        )}
        <div className="mx-auto flex max-w-6xl items-center justify-between gap-1 px-3 py-2.5 sm:gap-2 sm:px-4">
          <Logo />
          <nav aria-label="Main" className="flex items-center gap-0.5 sm:gap-1">
            {/* On phones the logo is the way home; the header must fit 320 px. */}
            <NavLink to="/" end className={({ isActive }) => cx(navClass({ isActive }), 'max-sm:hidden')}>
              Deals
            </NavLink>
            {/* On phones orders are in the account panel (a guest has none to see). */}
            <NavLink to={paths.orders} className={({ isActive }) => cx(navClass({ isActive }), 'max-sm:hidden')}>
              Orders
            </NavLink>
            <CartLink />
            <AccountMenu />
          </nav>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="mx-auto w-full max-w-6xl min-w-0 flex-1 px-3 py-5 outline-none sm:px-4 sm:py-8">
        <Suspense fallback={<Spinner />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="border-t border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-5 text-sm text-slate-600">
          <p>© FlashScale. Prices include GST.</p>
          <nav aria-label="Service" className="flex gap-4">
            <Link to={paths.version} className="underline hover:text-slate-900">
              Version
            </Link>
            <Link to={paths.health} className="underline hover:text-slate-900">
              Health
            </Link>
          </nav>
        </div>
      </footer>
      <ScrollRestoration />
    </div>
  )
}
