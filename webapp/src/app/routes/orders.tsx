import { PageHeading } from '@/components/ui/status'
import { useSession } from '@/features/account/api/session'
import { RequireAccount } from '@/features/account/components/require-account'
import { OrdersList } from '@/features/orders/components/orders-list'

export default function OrdersRoute() {
  return (
    <div className="space-y-6">
      <title>Your orders – FlashScale</title>
      <PageHeading>Your orders</PageHeading>
      <RequireAccount>
        <Owner />
        <OrdersList />
      </RequireAccount>
    </div>
  )
}

function Owner() {
  const session = useSession()
  if (!session.data) return null
  return (
    <p className="text-slate-700">
      Every order placed with <span className="font-semibold break-all">{session.data.email}</span>, on any device.
    </p>
  )
}
