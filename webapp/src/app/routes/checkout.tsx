import { PageHeading } from '@/components/ui/status'
import { CheckoutForm } from '@/features/checkout/components/checkout-form'

export default function CheckoutRoute() {
  return (
    <div className="space-y-6">
      <title>Checkout – FlashScale</title>
      <PageHeading>Checkout</PageHeading>
      <CheckoutForm />
    </div>
  )
}
