// The cart lives in localStorage so it survives reloads and is shared by
// the shopper's tabs; the server prices it (POST /api/cart/quote) and is
// the only authority on price and stock.
import { useSyncExternalStore } from 'react'
import type { LineRequest } from '@/types/api'

export type CartItem = LineRequest

export const CART_STORAGE_KEY = 'flashscale.cart.v1'
// Mirrors the server's limits (service/shop: MaxQuantityPerLine, MaxLinesPerOrder).
export const MAX_QUANTITY_PER_LINE = 10
export const MAX_LINES = 20

export type AddResult =
  | { ok: true; quantity: number; capped: boolean }
  | { ok: false; reason: 'too_many_lines' | 'unavailable' }

let items: CartItem[] = load()
const listeners = new Set<() => void>()

function clamp(q: number, max = MAX_QUANTITY_PER_LINE): number {
  return Math.min(Math.max(1, Math.floor(q)), Math.max(1, Math.min(max, MAX_QUANTITY_PER_LINE)))
}

// load accepts only what this code could have written: storage is user
// controlled and may hold anything (an old format, hand edits).
function load(): CartItem[] {
  let raw: unknown
  try {
    raw = JSON.parse(window.localStorage.getItem(CART_STORAGE_KEY) ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(raw)) return []
  const seen = new Set<string>()
  const out: CartItem[] = []
  for (const it of raw as unknown[]) {
    if (typeof it !== 'object' || it === null) continue
    const { productId, quantity } = it as Record<string, unknown>
    if (typeof productId !== 'string' || !productId || seen.has(productId)) continue
    if (typeof quantity !== 'number' || !Number.isFinite(quantity)) continue
    seen.add(productId)
    out.push({ productId, quantity: clamp(quantity) })
    if (out.length === MAX_LINES) break
  }
  return out
}

function commit(next: CartItem[]) {
  items = next
  try {
    window.localStorage.setItem(CART_STORAGE_KEY, JSON.stringify(next))
  } catch {
    // Private mode or a full quota: the cart still works for this page.
  }
  listeners.forEach((l) => l())
}

function onStorage(e: StorageEvent) {
  if (e.key === CART_STORAGE_KEY || e.key === null) cartStore.reload()
}

export const cartStore = {
  subscribe: (listener: () => void): (() => void) => {
    if (listeners.size === 0) window.addEventListener('storage', onStorage)
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0) window.removeEventListener('storage', onStorage)
    }
  },
  getSnapshot: (): CartItem[] => items,

  /** add puts quantity more of a product in the cart, at most limit in all. */
  add: (productId: string, quantity: number, limit = MAX_QUANTITY_PER_LINE): AddResult => {
    if (limit < 1) return { ok: false, reason: 'unavailable' }
    const existing = items.find((i) => i.productId === productId)
    if (!existing && items.length >= MAX_LINES) return { ok: false, reason: 'too_many_lines' }
    const wanted = (existing?.quantity ?? 0) + quantity
    const q = clamp(wanted, limit)
    commit(
      existing
        ? items.map((i) => (i.productId === productId ? { productId, quantity: q } : i))
        : [...items, { productId, quantity: q }],
    )
    return { ok: true, quantity: q, capped: q < wanted }
  },

  setQuantity: (productId: string, quantity: number) => {
    commit(items.map((i) => (i.productId === productId ? { productId, quantity: clamp(quantity) } : i)))
  },

  remove: (productId: string) => {
    commit(items.filter((i) => i.productId !== productId))
  },

  /** replace sets the whole cart, dropping lines with quantity 0. */
  replace: (next: CartItem[]) => {
    commit(next.filter((i) => i.quantity > 0).map((i) => ({ productId: i.productId, quantity: clamp(i.quantity) })))
  },

  clear: () => {
    commit([])
  },

  /** reload re-reads storage: another tab changed it, or a test reset it. */
  reload: () => {
    items = load()
    listeners.forEach((l) => l())
  },
}

export function useCart() {
  const cart = useSyncExternalStore(cartStore.subscribe, cartStore.getSnapshot, cartStore.getSnapshot)
  return {
    items: cart,
    units: cart.reduce((n, i) => n + i.quantity, 0),
    quantityOf: (productId: string) => cart.find((i) => i.productId === productId)?.quantity ?? 0,
  }
}
