import { Navigate, useLocation, useSearchParams } from 'react-router'
import { useSession } from '@/features/account/api/session'
import { AccountPage } from '@/features/account/components/account-page'
import { SignInForm } from '@/features/account/components/sign-in-form'
import { safeNext } from '@/features/account/lib/next'

export default function SignInRoute() {
  const [params] = useSearchParams()
  const next = safeNext(params.get('next'))
  const session = useSession()
  // "This email already has an account" brings the address along.
  const state: unknown = useLocation().state
  const email = typeof state === 'object' && state !== null && 'email' in state && typeof state.email === 'string' ? state.email : ''
  // Signed in (just now, or already): on to where the shopper was going.
  if (session.data) return <Navigate to={next} replace />
  return (
    <AccountPage title="Sign in" next={next}>
      <SignInForm key={email} next={next} email={email} />
    </AccountPage>
  )
}
