import { useParams } from 'react-router'
import { OrderTracking } from '@/features/orders/components/order-tracking'

export default function OrderRoute() {
  const { id = '' } = useParams()
  return (
    <>
      <title>{`Order ${id} – FlashScale`}</title>
      <OrderTracking id={id} />
    </>
  )
}
