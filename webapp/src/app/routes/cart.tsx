import { PageHeading } from '@/components/ui/status'
import { CartView } from '@/features/cart/components/cart-view'

export default function CartRoute() {
  return (
    <div className="space-y-6">
      <title>Your cart – FlashScale</title>
      <PageHeading>Your cart</PageHeading>
      <CartView />
    </div>
  )
}
