import { useParams } from 'react-router'
import { OrderTracking } from '@/features/orders/components/order-tracking'

export default function ConfirmationRoute() {
  const { id = '' } = useParams()
  return (
    <>
      <title>Order confirmed – FlashScale</title>
      <OrderTracking id={id} confirmation />
    </>
  )
}
