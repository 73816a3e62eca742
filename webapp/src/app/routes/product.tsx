import { Link, useParams } from 'react-router'
import { EmptyState, QueryFallback } from '@/components/ui/status'
import { ApiError } from '@/lib/api'
import { cannotRefresh } from '@/lib/query-client'
import { useNow } from '@/lib/use-now'
import { useSession } from '@/features/account/api/session'
import { useProduct } from '@/features/products/api/get-products'
import { ProductDetails } from '@/features/products/components/product-details'
import { StaleNotice } from '@/features/products/components/stale-notice'

export default function ProductRoute() {
  const { id = '' } = useParams()
  const product = useProduct(id)
  const now = useNow()
  const session = useSession()
  const missing = product.error instanceof ApiError && product.error.status === 404
  let body
  if (product.data) {
    // The catalog's copy (placeholder) lacks the shopper's allowance and
    // may be a second stale: buying waits for the product's own answer.
    const stale = cannotRefresh(product)
    body = (
      <>
        {stale && <StaleNotice />}
        <ProductDetails
          product={product.data}
          now={now}
          paused={stale || product.isPlaceholderData}
          guest={session.data === null}
        />
      </>
    )
  } else if (missing) {
    body = (
      <EmptyState title="Product not found" heading="h1">
        <p>It may have been removed from the sale.</p>
      </EmptyState>
    )
  } else body = <QueryFallback query={product} />
  return (
    <div className="space-y-4">
      <title>{missing ? 'Product not found – FlashScale' : `${product.data?.name ?? 'Product'} – FlashScale`}</title>
      <Link to="/" className="inline-block text-sm font-semibold text-blue-700 hover:underline">
        ← All deals
      </Link>
      {body}
    </div>
  )
}
