import type { ReactNode } from 'react'
import { PageHeading } from '@/components/ui/status'
import { paths } from '@/config/paths'
import { useCart } from '@/features/cart/store'

/**
 * AccountPage frames the sign-in and registration forms, and says why the
 * shopper is here when checkout sent them: their cart waits for them.
 */
export function AccountPage({ title, next, children }: { title: string; next: string; children: ReactNode }) {
  const { units } = useCart()
  const checkingOut = next.split(/[?#]/)[0] === paths.checkout
  return (
    <div className="mx-auto max-w-md space-y-5 rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
      <title>{`${title} – FlashScale`}</title>
      <PageHeading>{title}</PageHeading>
      {checkingOut && (
        <p className="rounded-xl border border-blue-200 bg-blue-50 p-4 text-sm text-blue-950">
          Sign in or create an account to check out.
          {units > 0 && ` Your cart (${units} ${units === 1 ? 'item' : 'items'}) is kept on this device and waits for you.`}
        </p>
      )}
      {children}
    </div>
  )
}
