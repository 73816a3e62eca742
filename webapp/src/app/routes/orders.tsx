import { PageHeading } from '@/components/ui/status'
import { OrdersList } from '@/features/orders/components/orders-list'

export default function OrdersRoute() {
  return (
    <div className="space-y-6">
      <title>Your orders – FlashScale</title>
      <PageHeading>Your orders</PageHeading>
      <OrdersList />
    </div>
  )
}
