import { QueryClient } from '@tanstack/react-query'
import { ApiError } from './api'

/**
 * Reads are retried a couple of times on network and server errors, never
 * on a 4xx: asking again will not make a missing order appear.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      },
    },
  })
}
