// The cart lives in localStorage so it survives reloads and is shared by
// the shopper's tabs; the server prices it (POST /api/cart/quote) and is
// the only authority on price and stock.
import { useSyncExternalStore } from 'react'
import type { LineRequest } from '@/types/api'

/**
 * A cart line. name, unitPrice and imageUrl are what the shopper saw when
 * adding it: shown, marked as such, only while the shop cannot be reached.
 */
export interface CartItem extends LineRequest {
  name?: string
  unitPrice?: number
  imageUrl?: string
}

/** What a product looked like when it went into the cart. */
export interface Seen {
  name: string
  price: number
  imageUrl: string
}

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
    const { productId, quantity, name, unitPrice, imageUrl } = it as Record<string, unknown>
    if (typeof productId !== 'string' || !productId || seen.has(productId)) continue
    if (typeof quantity !== 'number' || !Number.isFinite(quantity)) continue
    seen.add(productId)
    const item: CartItem = { productId, quantity: clamp(quantity) }
    if (typeof name === 'string' && name) item.name = name.slice(0, 200)
    if (typeof unitPrice === 'number' && Number.isSafeInteger(unitPrice) && unitPrice >= 0) item.unitPrice = unitPrice
    // Only the shop's own images: storage is not trusted with URLs.
    if (typeof imageUrl === 'string' && imageUrl.startsWith('/images/')) item.imageUrl = imageUrl
    out.push(item)
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

  /**
   * add puts quantity more of a product in the cart, at most limit in all,
   * remembering what the product looked like (seen) for offline display.
   */
  add: (productId: string, quantity: number, limit = MAX_QUANTITY_PER_LINE, seen?: Seen): AddResult => {
    if (limit < 1) return { ok: false, reason: 'unavailable' }
    const existing = items.find((i) => i.productId === productId)
    if (!existing && items.length >= MAX_LINES) return { ok: false, reason: 'too_many_lines' }
    const wanted = (existing?.quantity ?? 0) + quantity
    const q = clamp(wanted, limit)
    const snapshot = seen ? { name: seen.name, unitPrice: seen.price, imageUrl: seen.imageUrl } : {}
    commit(
      existing
        ? items.map((i) => (i.productId === productId ? { ...i, ...snapshot, quantity: q } : i))
        : [...items, { productId, quantity: q, ...snapshot }],
    )
    return { ok: true, quantity: q, capped: q < wanted }
  },

  setQuantity: (productId: string, quantity: number) => {
    commit(items.map((i) => (i.productId === productId ? { ...i, quantity: clamp(quantity) } : i)))
  },

  remove: (productId: string) => {
    commit(items.filter((i) => i.productId !== productId))
  },

  /** replace sets the quantities of the whole cart, dropping lines with quantity 0. */
  replace: (next: LineRequest[]) => {
    const old = new Map(items.map((i) => [i.productId, i]))
    commit(next.filter((i) => i.quantity > 0).map((i) => ({ ...old.get(i.productId), productId: i.productId, quantity: clamp(i.quantity) })))
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

/** toLines is the cart as the API takes it: products and quantities only. */
export function toLines(cart: CartItem[]): LineRequest[] {
  return cart.map((i) => ({ productId: i.productId, quantity: i.quantity }))
}

export function useCart() {
  const cart = useSyncExternalStore(cartStore.subscribe, cartStore.getSnapshot, cartStore.getSnapshot)
  return {
    items: cart,
    lines: toLines(cart),
    units: cart.reduce((n, i) => n + i.quantity, 0),
    quantityOf: (productId: string) => cart.find((i) => i.productId === productId)?.quantity ?? 0,
  }
}
