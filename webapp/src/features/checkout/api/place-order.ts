import { useMutation, useQueryClient } from '@tanstack/react-query'
import { ApiError, apiRequest } from '@/lib/api'
import type { CheckoutRequest, Order } from '@/types/api'
import { cartStore } from '@/features/cart/store'
import { orderKeys } from '@/features/orders/api/get-orders'
import { productKeys } from '@/features/products/api/get-products'
import { attemptKey } from '../lib/attempt-key'

export function placeOrder(req: CheckoutRequest, idempotencyKey: string): Promise<Order> {
  return apiRequest<{ order: Order }>('/api/checkout', {
    method: 'POST',
    headers: { 'Idempotency-Key': idempotencyKey },
    body: req,
  }).then((r) => r.order)
}

/** Automatic retries of a shed (503) checkout before the shopper is asked. */
export const MAX_AUTO_RETRIES = 5

/**
 * retryDelay honours Retry-After; without it, exponential backoff. Jitter
 * spreads a crowd of shoppers shed at the same moment so they do not all
 * come back in the same millisecond.
 */
export function retryDelay(failures: number, err: unknown, random: () => number = Math.random): number {
  const jitter = 0.5 + random() / 2
  if (err instanceof ApiError && err.retryAfter !== null) return err.retryAfter * 1000 + Math.round(500 * random())
  return Math.round(Math.min(1000 * 2 ** failures, 16_000) * jitter)
}

interface Vars {
  req: CheckoutRequest
  key: string
}

/**
 * usePlaceOrder sends the checkout with the attempt's Idempotency-Key and
 * retries overload (503 overloaded/draining) by itself with the same key.
 * Other failures wait for the shopper, who retries with the same key too.
 */
export function usePlaceOrder() {
  const qc = useQueryClient()
  return useMutation<Order, Error, Vars>({
    mutationFn: ({ req, key }) => placeOrder(req, key),
    retry: (failures, err) => err instanceof ApiError && err.retryable && failures < MAX_AUTO_RETRIES,
    retryDelay,
    // These run even if the shopper has left the page: the order exists,
    // so the cart must go and the next attempt needs a new key.
    onSuccess: (order) => {
      attemptKey.clear()
      cartStore.clear()
      qc.setQueryData(orderKeys.one(order.id), order)
      void qc.invalidateQueries({ queryKey: orderKeys.list() })
      void qc.invalidateQueries({ queryKey: productKeys.all })
    },
    onError: (err) => {
      // The key already named a different, placed order (an earlier attempt
      // went through before the cart changed): a new order needs a new key.
      if (err instanceof ApiError && err.code === 'idempotency_key_reused') attemptKey.clear()
      if (err instanceof ApiError && err.code === 'sold_out') void qc.invalidateQueries({ queryKey: ['quote'] })
    },
  })
}

export { attemptKey }
