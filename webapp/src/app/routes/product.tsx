import { Link, useParams } from 'react-router'
import { EmptyState, ErrorPanel, Spinner } from '@/components/ui/status'
import { ApiError } from '@/lib/api'
import { useNow } from '@/lib/use-now'
import { useProduct } from '@/features/products/api/get-products'
import { ProductDetails } from '@/features/products/components/product-details'

export default function ProductRoute() {
  const { id = '' } = useParams()
  const product = useProduct(id)
  const now = useNow()
  let body
  if (product.isPending) body = <Spinner />
  else if (product.isError && !product.data)
    body =
      product.error instanceof ApiError && product.error.status === 404 ? (
        <EmptyState title="Product not found">
          <p>It may have been removed from the sale.</p>
        </EmptyState>
      ) : (
        <ErrorPanel error={product.error} onRetry={() => void product.refetch()} />
      )
  else body = <ProductDetails product={product.data} now={now} />
  return (
    <div className="space-y-4">
      <title>{`${product.data?.name ?? 'Product'} – FlashScale`}</title>
      <Link to="/" className="inline-block text-sm font-semibold text-blue-700 hover:underline">
        ← All deals
      </Link>
      {body}
    </div>
  )
}
