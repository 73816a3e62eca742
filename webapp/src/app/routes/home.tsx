import { ErrorPanel, Spinner } from '@/components/ui/status'
import { useNow } from '@/lib/use-now'
import { useProducts } from '@/features/products/api/get-products'
import { ProductGrid } from '@/features/products/components/product-grid'
import { SaleBanner } from '@/features/products/components/sale-banner'

export default function HomeRoute() {
  const products = useProducts({ poll: true })
  const now = useNow()
  return (
    <div className="space-y-8">
      <title>FlashScale – Big Billion Days flash sale</title>
      <SaleBanner products={products.data ?? []} now={now} />
      <section aria-labelledby="deals-heading" className="space-y-4">
        <h2 id="deals-heading" className="text-xl font-bold tracking-tight">
          Today’s deals
        </h2>
        {products.isPending ? (
          <Spinner label="Loading deals…" />
        ) : products.isError && !products.data ? (
          <ErrorPanel error={products.error} onRetry={() => void products.refetch()} title="Could not load the deals" />
        ) : (
          <ProductGrid products={products.data} now={now} />
        )}
      </section>
    </div>
  )
}
