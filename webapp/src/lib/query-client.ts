import { QueryClient } from '@tanstack/react-query'
import { ApiError, NetworkError } from './api'

/**
 * transient is a failure that asking again may fix: no answer at all, or a
 * server or proxy error. A 4xx will not change by asking again.
 */
export function transient(err: unknown): boolean {
  return err instanceof NetworkError || (err instanceof ApiError && err.status >= 500)
}

/** Backoff between read retries: 1, 2, 4, then 8 s, each with jitter so a crowd does not return at once. */
export function readRetryDelay(failures: number, random: () => number = Math.random): number {
  return Math.round(Math.min(1000 * 2 ** failures, 8_000) * (0.5 + random() / 2))
}

/**
 * Reads retry transient failures for as long as the page is open: a shop
 * that lost its connection recovers by itself when the server is back,
 * without the shopper pressing anything.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (_count, err) => transient(err),
        retryDelay: (failures) => readRetryDelay(failures),
      },
    },
  })
}

/** The part of a query a page needs to tell the shopper how its data is doing. */
export interface QueryHealth {
  data: unknown
  failureCount: number
  fetchStatus: 'fetching' | 'paused' | 'idle'
  isRefetchError: boolean
}

/**
 * cannotRefresh reports data on screen that the shop is failing to
 * refresh: it may be out of date (stock, prices) until a fetch succeeds.
 */
export function cannotRefresh(q: QueryHealth): boolean {
  return q.data !== undefined && (q.failureCount > 0 || q.fetchStatus === 'paused' || q.isRefetchError)
}
