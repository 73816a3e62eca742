import { describe, expect, it } from 'vitest'
import { ApiError } from '@/lib/api'
import { retryDelay } from './place-order'

const busy = (retryAfter: number | null) => new ApiError({ status: 503, code: 'overloaded', message: 'Busy', retryAfter })

describe('retryDelay', () => {
  it('honours Retry-After, plus at most half a second of jitter', () => {
    expect(retryDelay(0, busy(3), () => 0)).toBe(3000)
    expect(retryDelay(4, busy(3), () => 1)).toBe(3500)
  })
  it('backs off exponentially without Retry-After, capped at 16 s', () => {
    const max = (n: number) => retryDelay(n, busy(null), () => 1)
    expect([0, 1, 2, 3, 4, 5, 9].map(max)).toEqual([1000, 2000, 4000, 8000, 16000, 16000, 16000])
    expect(retryDelay(2, busy(null), () => 0)).toBe(2000)
  })
})
