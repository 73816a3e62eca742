import { useQuery } from '@tanstack/react-query'
import { apiRequest } from '@/lib/api'
import type { BuildInfo, Health } from '@/types/api'

// Both are read from the running server on every visit, never baked in at
// build time: after a blue/green flip they must name the live colour.

export function useBuildInfo() {
  return useQuery({
    queryKey: ['build-info'],
    queryFn: ({ signal }) => apiRequest<BuildInfo>('/api/build-info', { signal }),
    staleTime: 0,
    refetchInterval: 10_000,
  })
}

export function useHealth() {
  return useQuery({
    queryKey: ['health'],
    // 503 carries a normal body (status "unavailable"): show it, do not throw.
    queryFn: ({ signal }) => apiRequest<Health>('/api/health', { signal, acceptStatus: [503] }),
    staleTime: 0,
    refetchInterval: 5_000,
  })
}
