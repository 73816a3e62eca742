import { Navigate, useSearchParams } from 'react-router'
import { useSession } from '@/features/account/api/session'
import { AccountPage } from '@/features/account/components/account-page'
import { RegisterForm } from '@/features/account/components/register-form'
import { safeNext } from '@/features/account/lib/next'

export default function RegisterRoute() {
  const [params] = useSearchParams()
  const next = safeNext(params.get('next'))
  const session = useSession()
  // Registering signs the shopper in: on to where they were going.
  if (session.data) return <Navigate to={next} replace />
  return (
    <AccountPage title="Create an account" next={next}>
      <RegisterForm next={next} />
    </AccountPage>
  )
}
