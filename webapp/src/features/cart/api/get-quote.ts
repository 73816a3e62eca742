import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api'
import type { LineRequest, Quote } from '@/types/api'

export function getQuote(items: LineRequest[], signal?: AbortSignal): Promise<Quote> {
  return apiRequest<{ quote: Quote }>('/api/cart/quote', { method: 'POST', body: { items }, signal }).then(
    (r) => r.quote,
  )
}

/**
 * useQuote prices the cart on the server. Keeping the previous quote while
 * a changed cart is re-priced stops totals from flashing to a spinner on
 * every quantity change.
 */
export function useQuote(items: LineRequest[], options: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: ['quote', items],
    queryFn: ({ signal }) => getQuote(items, signal),
    enabled: items.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: options.poll ? 15_000 : false,
  })
}
