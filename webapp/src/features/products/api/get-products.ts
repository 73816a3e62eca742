import { useQuery } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api'
import type { Product } from '@/types/api'

export const productKeys = {
  all: ['products'] as const,
  one: (id: string) => ['products', id] as const,
}

export function getProducts(signal?: AbortSignal): Promise<Product[]> {
  return apiRequest<{ products: Product[] }>('/api/products', { signal }).then((r) => r.products)
}

export function getProduct(id: string, signal?: AbortSignal): Promise<Product> {
  return apiRequest<{ product: Product }>(`/api/products/${encodeURIComponent(id)}`, { signal }).then(
    (r) => r.product,
  )
}

/**
 * useProducts polls while a page shows the catalog, so "Only N left" and
 * sold-out states follow the sale as it happens.
 */
export function useProducts(options: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: productKeys.all,
    queryFn: ({ signal }) => getProducts(signal),
    refetchInterval: options.poll ? 10_000 : false,
  })
}

export function useProduct(id: string) {
  return useQuery({
    queryKey: productKeys.one(id),
    queryFn: ({ signal }) => getProduct(id, signal),
    refetchInterval: 10_000,
  })
}
