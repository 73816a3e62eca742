import { useParams } from 'react-router'
import { RequireAccount } from '@/features/account/components/require-account'
import { OrderTracking } from '@/features/orders/components/order-tracking'

export default function OrderRoute() {
  const { id = '' } = useParams()
  return (
    <>
      <title>{`Order ${id} – FlashScale`}</title>
      <RequireAccount>
        <OrderTracking id={id} />
      </RequireAccount>
    </>
  )
}
