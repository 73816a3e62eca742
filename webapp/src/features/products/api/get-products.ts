import { keepPreviousData, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api'
import type { Listing, Product, ProductDetail } from '@/types/api'
import { isDefaultQuery, queryString, type CatalogQuery } from '../lib/catalog-query'

export const productKeys = {
  all: ['products'] as const,
  catalog: ['products', 'catalog'] as const,
  search: (q: CatalogQuery) => ['products', 'search', q] as const,
  one: (id: string) => ['products', 'one', id] as const,
}

/** How often a page showing stock asks for news while it is open. */
export const CATALOG_POLL_MS = 10_000

export function getCatalog(signal?: AbortSignal): Promise<Listing> {
  return apiRequest<Listing>('/api/products', { signal })
}

export function searchProducts(q: CatalogQuery, signal?: AbortSignal): Promise<Listing> {
  return apiRequest<Listing>(`/api/products?${queryString(q)}`, { signal })
}

export function getProduct(id: string, signal?: AbortSignal): Promise<ProductDetail> {
  return apiRequest<{ product: ProductDetail }>(`/api/products/${encodeURIComponent(id)}`, { signal }).then(
    (r) => r.product,
  )
}

/**
 * useCatalog is the whole catalog, polled while a page shows it so that
 * "Only N left" and sold-out states follow the sale as it happens. The
 * first page load gets it inline (seedInlineCatalog): no request at all.
 */
export function useCatalog(options: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: productKeys.catalog,
    queryFn: ({ signal }) => getCatalog(signal),
    refetchInterval: options.poll ? CATALOG_POLL_MS : false,
  })
}

/**
 * useProductSearch asks the server for a search, category or sort of the
 * catalog (the default view needs no request: it is the catalog). The
 * previous results stay on screen while the next arrive.
 */
export function useProductSearch(q: CatalogQuery) {
  return useQuery({
    queryKey: productKeys.search(q),
    queryFn: ({ signal }) => searchProducts(q, signal),
    enabled: !isDefaultQuery(q),
    placeholderData: keepPreviousData,
    refetchInterval: CATALOG_POLL_MS,
  })
}

/**
 * useProduct reads one product with its current stock and the shopper's
 * remaining allowance. Until that arrives the catalog's copy is shown, so
 * a product opened from the grid renders at once.
 */
export function useProduct(id: string) {
  const qc = useQueryClient()
  return useQuery<ProductDetail>({
    queryKey: productKeys.one(id),
    queryFn: ({ signal }) => getProduct(id, signal),
    placeholderData: () => catalogProduct(qc, id),
    refetchInterval: CATALOG_POLL_MS,
  })
}

function catalogProduct(qc: QueryClient, id: string): Product | undefined {
  return qc.getQueryData<Listing>(productKeys.catalog)?.products.find((p) => p.id === id)
}

/** The id of the element the server puts the catalog in (service/web). */
export const INLINE_CATALOG_ID = 'fs-catalog'

/**
 * seedInlineCatalog puts the catalog the page carries into the cache, so
 * the first screen renders without waiting for a request. The element is
 * removed: it describes the moment the page was served, not later.
 */
export function seedInlineCatalog(qc: QueryClient, doc: Document = document): boolean {
  const el = doc.getElementById(INLINE_CATALOG_ID)
  if (!el) return false
  el.remove()
  let data: unknown
  try {
    data = JSON.parse(el.textContent ?? '')
  } catch {
    return false
  }
  if (!isListing(data)) return false
  qc.setQueryData(productKeys.catalog, data)
  return true
}

function isListing(v: unknown): v is Listing {
  if (typeof v !== 'object' || v === null) return false
  const l = v as Record<string, unknown>
  return Array.isArray(l.products) && Array.isArray(l.categories)
}
