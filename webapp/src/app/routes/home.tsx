import { Link, useSearchParams } from 'react-router'
import { EmptyState, QueryFallback } from '@/components/ui/status'
import { cannotRefresh } from '@/lib/query-client'
import { useNow } from '@/lib/use-now'
import type { Listing } from '@/types/api'
import { useCatalog, useProductSearch } from '@/features/products/api/get-products'
import { CatalogToolbar } from '@/features/products/components/catalog-toolbar'
import { ProductGrid } from '@/features/products/components/product-grid'
import { SaleBanner } from '@/features/products/components/sale-banner'
import { StaleNotice } from '@/features/products/components/stale-notice'
import { isDefaultQuery, parseCatalogQuery, queryString, SORT_LABELS, type CatalogQuery } from '@/features/products/lib/catalog-query'
import { rankForDisplay } from '@/features/products/lib/sale'

export default function HomeRoute() {
  const catalog = useCatalog({ poll: true })
  const now = useNow()
  const [params, setParams] = useSearchParams()
  const query = parseCatalogQuery(params, catalog.data?.categories)
  const filtered = !isDefaultQuery(query)
  const search = useProductSearch(query)
  // The default view is the catalog itself, in the server's featured
  // order; anything else is the server's answer to the query.
  const view: Listing | undefined = filtered ? search.data : catalog.data
  const stale = cannotRefresh(catalog) || (filtered && cannotRefresh(search))

  function change(next: CatalogQuery) {
    setParams(queryString(next))
  }

  return (
    <div className="space-y-6 sm:space-y-8">
      <title>{query.q ? `“${query.q}” – Deals – FlashScale` : 'FlashScale – Big Billion Days flash sale'}</title>
      <SaleBanner products={catalog.data?.products ?? []} now={now} />
      <section aria-labelledby="deals-heading" className="space-y-4">
        <h2 id="deals-heading" className="text-xl font-bold tracking-tight">
          Today’s deals
        </h2>
        {stale && <StaleNotice />}
        {catalog.data ? (
          <>
            <CatalogToolbar
              query={query}
              categories={(view ?? catalog.data).categories}
              total={(view ?? catalog.data).categories.reduce((n, c) => n + c.count, 0)}
              onChange={change}
            />
            {view ? (
              <>
                <ResultCount query={query} listing={view} updating={filtered && search.isPlaceholderData} />
                {view.products.length > 0 ? (
                  <ProductGrid products={filtered ? view.products : rankForDisplay(view.products, now)} now={now} paused={stale} />
                ) : (
                  <NoResults query={query} />
                )}
              </>
            ) : (
              <div className="min-h-96">
                <QueryFallback query={search} label="Searching…" title="Could not search the deals" />
              </div>
            )}
          </>
        ) : (
          <div className="min-h-96">
            <QueryFallback query={catalog} label="Loading deals…" title="Could not load the deals" />
          </div>
        )}
      </section>
    </div>
  )
}

function ResultCount({ query, listing, updating }: { query: CatalogQuery; listing: Listing; updating: boolean }) {
  const n = listing.products.length
  const category = listing.categories.find((c) => c.id === query.category)?.name
  let text = `${n} ${n === 1 ? 'deal' : 'deals'}`
  if (query.q) text += ` for “${query.q}”`
  if (category) text += ` in ${category}`
  if (query.sort !== 'featured') text += `, ${SORT_LABELS[query.sort].toLowerCase()}`
  return (
    <p role="status" className="text-sm text-slate-700">
      {updating ? 'Updating…' : text}
    </p>
  )
}

function NoResults({ query }: { query: CatalogQuery }) {
  return (
    <EmptyState title={query.q ? `No deals match “${query.q}”` : 'No deals here right now'}>
      <p>Try another word or category.</p>
      <p className="mt-3 flex justify-center gap-4">
        {query.q && (
          <Link to={`/?${queryString({ ...query, q: '' })}`} className="font-semibold text-blue-700 underline">
            Clear the search
          </Link>
        )}
        <Link to="/" className="font-semibold text-blue-700 underline">
          See all deals
        </Link>
      </p>
    </EmptyState>
  )
}
