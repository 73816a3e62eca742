import { useParams } from 'react-router'
import { RequireAccount } from '@/features/account/components/require-account'
import { OrderTracking } from '@/features/orders/components/order-tracking'

export default function ConfirmationRoute() {
  const { id = '' } = useParams()
  return (
    <>
      <title>Order confirmed – FlashScale</title>
      <RequireAccount>
        <OrderTracking id={id} confirmation />
      </RequireAccount>
    </>
  )
}
