import type { ReactNode } from 'react'
import { Navigate, useLocation } from 'react-router'
import { QueryFallback } from '@/components/ui/status'
import { signInPath } from '@/config/paths'
import { useSession } from '../api/session'

/**
 * RequireAccount shows its page to a signed-in shopper and sends a guest
 * to sign in, with this page as where to come back to. The cart lives in
 * the browser, so it is all still there on the way back.
 */
export function RequireAccount({ children }: { children: ReactNode }) {
  const session = useSession()
  const { pathname, search } = useLocation()
  if (session.data === undefined) return <QueryFallback query={session} label="Checking your account…" />
  if (session.data === null) return <Navigate to={signInPath(pathname + search)} replace />
  return children
}
