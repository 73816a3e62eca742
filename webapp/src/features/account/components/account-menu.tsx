import { useEffect, useId, useRef, useState } from 'react'
import { Link, NavLink, useLocation, useNavigate } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { paths, signInPath } from '@/config/paths'
import { errorMessage } from '@/lib/api'
import { cx } from '@/lib/cx'
import type { Account } from '@/types/api'
import { useSession, useSignOut } from '../api/session'

const itemClass = 'inline-flex shrink-0 items-center gap-1.5 rounded-lg px-2 py-2 text-sm font-semibold hover:bg-slate-100 sm:px-3'

function PersonIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5 shrink-0" fill="none" stroke="currentColor" strokeWidth="2">
      <circle cx="12" cy="8" r="4" />
      <path d="M4 21a8 8 0 0 1 16 0" strokeLinecap="round" />
    </svg>
  )
}

/**
 * AccountMenu is the header's account corner: "Sign in" for a guest; for
 * a signed-in shopper their first name, opening a panel that says who is
 * signed in, links to their orders and signs out. On phones (below 640
 * px) only the icon shows, its words kept in its accessible name, so the
 * header fits from 320 px up with the word mark from 360 px.
 */
export function AccountMenu() {
  const session = useSession()
  const { pathname, search } = useLocation()
  // Here, not in SignedIn: that unmounts the moment the session ends, and
  // would never hear that signing out is done.
  const navigate = useNavigate()
  // Home, in place of the page left: it may be one that needs an account.
  // flushSync: the page must be gone before the account is, not in a later transition.
  const signOut = useSignOut({ leave: () => navigate(paths.home, { replace: true, flushSync: true }) })
  const [signedOut, setSignedOut] = useState(false)

  function out() {
    signOut.mutate(undefined, { onSuccess: () => setSignedOut(true) })
  }

  // On the sign-in and registration pages, keep where the shopper was going.
  const onAccountPage = pathname === paths.signIn || pathname === paths.register
  const next = onAccountPage ? (new URLSearchParams(search).get('next') ?? undefined) : pathname + search
  return (
    <>
      {session.data ? (
        <SignedIn account={session.data} signOut={signOut} onSignOut={out} />
      ) : (
        <NavLink
          to={signInPath(next)}
          // Holds its place while the session is asked for, so nothing moves when it answers.
          className={({ isActive }) => cx(itemClass, isActive ? 'text-blue-700' : 'text-slate-800', session.isPending && 'invisible')}
        >
          <PersonIcon />
          <span className="max-sm:sr-only">Sign in</span>
        </NavLink>
      )}
      {/* Present from the start, so that its news is read out. */}
      <span role="status" className="sr-only">
        {signedOut && !session.data ? 'You are signed out.' : ''}
      </span>
    </>
  )
}

function SignedIn({ account, signOut, onSignOut }: {
  account: Account
  signOut: ReturnType<typeof useSignOut>
  onSignOut: () => void
}) {
  const { pathname } = useLocation()
  // The page the panel was opened on: going to another page closes it.
  const [openOn, setOpenOn] = useState<string | null>(null)
  const open = openOn === pathname
  const setOpen = (o: boolean) => setOpenOn(o ? pathname : null)
  const panelId = useId()
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const first = account.name.trim().split(/\s+/)[0] || account.email

  // Escape closes it (focus back on the button), and so does a click elsewhere.
  useEffect(() => {
    if (!open) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return
      setOpenOn(null)
      button.current?.focus()
    }
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpenOn(null)
    }
    document.addEventListener('keydown', onKey)
    document.addEventListener('pointerdown', onPointer)
    return () => {
      document.removeEventListener('keydown', onKey)
      document.removeEventListener('pointerdown', onPointer)
    }
  }, [open])

  return (
    <div ref={root} className="relative">
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        // Starts with the name it shows (WCAG 2.5.3); browsers would put a
        // space before a visually hidden ", your account".
        aria-label={`${first}, your account`}
        onClick={() => setOpen(!open)}
        className={cx(itemClass, 'text-slate-800')}
      >
        <PersonIcon />
        <span className="max-w-24 truncate max-sm:sr-only">{first}</span>
      </button>
      <div
        id={panelId}
        hidden={!open}
        className="absolute top-full right-0 z-50 mt-2 w-72 max-w-[calc(100vw-1.5rem)] rounded-2xl bg-white p-4 text-sm shadow-lg ring-1 ring-slate-200"
      >
        <p className="text-slate-600">Signed in as</p>
        <p className="font-semibold break-words text-slate-900">{account.name}</p>
        <p className="break-all text-slate-700">{account.email}</p>
        <Link to={paths.orders} className="mt-3 block font-semibold text-blue-700 underline">
          Your orders
        </Link>
        {signOut.isError && (
          <p role="alert" className="mt-3 text-red-700">
            Could not sign out: {errorMessage(signOut.error)}
          </p>
        )}
        <button type="button" onClick={onSignOut} disabled={signOut.isPending} className={buttonClass('secondary', 'mt-3 w-full')}>
          {signOut.isPending ? 'Signing out…' : 'Sign out'}
        </button>
      </div>
    </div>
  )
}
