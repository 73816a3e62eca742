import { PageHeading } from '@/components/ui/status'
import { RequireAccount } from '@/features/account/components/require-account'
import { CheckoutForm } from '@/features/checkout/components/checkout-form'

export default function CheckoutRoute() {
  return (
    <div className="space-y-6">
      <title>Checkout – FlashScale</title>
      <PageHeading>Checkout</PageHeading>
      {/* A guest signs in first and comes back here, cart and all. */}
      <RequireAccount>
        <CheckoutForm />
      </RequireAccount>
    </div>
  )
}
