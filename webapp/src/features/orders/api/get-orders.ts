import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api'
import type { Order, OrdersPage } from '@/types/api'

export const orderKeys = {
  all: ['orders'] as const,
  list: () => ['orders', 'list'] as const,
  one: (id: string) => ['orders', 'one', id] as const,
}

export const ORDERS_PAGE_SIZE = 10
/** How often an open tracking page asks for news. */
export const TRACKING_POLL_MS = 3_000

export function getOrders(cursor: string | undefined, signal?: AbortSignal): Promise<OrdersPage> {
  const q = new URLSearchParams({ limit: String(ORDERS_PAGE_SIZE) })
  if (cursor) q.set('cursor', cursor)
  return apiRequest<OrdersPage>(`/api/orders?${q.toString()}`, { signal })
}

export function getOrder(id: string, signal?: AbortSignal): Promise<Order> {
  return apiRequest<{ order: Order }>(`/api/orders/${encodeURIComponent(id)}`, { signal }).then((r) => r.order)
}

export function useOrders() {
  return useInfiniteQuery({
    queryKey: orderKeys.list(),
    queryFn: ({ pageParam, signal }) => getOrders(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  })
}

/**
 * useOrder polls while the page is open and the order is still on its way;
 * a delivered order will not change again.
 */
export function useOrder(id: string, options: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: orderKeys.one(id),
    queryFn: ({ signal }) => getOrder(id, signal),
    refetchInterval: (q) => (options.poll && q.state.data?.status !== 'Delivered' ? TRACKING_POLL_MS : false),
  })
}
