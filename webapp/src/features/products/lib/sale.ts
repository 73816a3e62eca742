import type { Product } from '@/types/api'

export type SaleState =
  | { kind: 'active'; endsAt: number | null }
  | { kind: 'upcoming'; startsAt: number }
  | { kind: 'ended' }

function ms(iso?: string): number | null {
  if (!iso) return null
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : t
}

/** saleState mirrors the server's SaleWindow.Active: [start, end). */
export function saleState(p: Product, now: number): SaleState {
  const start = ms(p.saleStartsAt)
  const end = ms(p.saleEndsAt)
  if (end !== null && now >= end) return { kind: 'ended' }
  if (start !== null && now < start) return { kind: 'upcoming', startsAt: start }
  return { kind: 'active', endsAt: end }
}

export const MAX_QUANTITY_PER_LINE = 10
export const LOW_STOCK = 10

/**
 * purchaseLimit is the most one cart line may hold: stock, the shopper's
 * cap (what is left of it, when the server said) and 10.
 */
export function purchaseLimit(p: Product, remainingForShopper?: number): number {
  const cap = p.maxPerShopper && p.maxPerShopper > 0 ? p.maxPerShopper : MAX_QUANTITY_PER_LINE
  const left = remainingForShopper ?? cap
  return Math.max(0, Math.min(MAX_QUANTITY_PER_LINE, p.stock, cap, left))
}

export function canBuy(p: Product, now: number): boolean {
  return p.stock > 0 && saleState(p, now).kind === 'active'
}

/** Availability ranks products like the server's listings (service/shop). */
export type Availability = 'buyable' | 'coming_soon' | 'sold_out' | 'ended'
const RANK: Record<Availability, number> = { buyable: 0, coming_soon: 1, sold_out: 2, ended: 3 }

export function availability(p: Product, now: number): Availability {
  const s = saleState(p, now)
  if (s.kind === 'ended') return 'ended'
  if (p.stock === 0) return 'sold_out'
  return s.kind === 'upcoming' ? 'coming_soon' : 'buyable'
}

/**
 * rankForDisplay puts what can be bought first, then what is coming soon,
 * sold out, ended; catalog order otherwise. It is the server's "featured"
 * order, applied to the catalog the page already has.
 */
export function rankForDisplay(products: Product[], now: number): Product[] {
  return products
    .map((p, i) => ({ p, i, r: RANK[availability(p, now)] }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.p)
}

/** buyLabel is what a buy button says: the one word for why it cannot be pressed. */
export function buyLabel(p: Product, now: number): string {
  switch (availability(p, now)) {
    case 'ended':
      return 'Sale ended'
    case 'sold_out':
      return 'Sold out'
    case 'coming_soon':
      return 'Coming soon'
    default:
      return 'Add to cart'
  }
}

export interface SaleMoment {
  product: Product
  at: number
}

export type Banner =
  /** Some deals are on: how many, which ends first, which starts next. */
  | { kind: 'live'; live: number; total: number; soonestEnd: SaleMoment | null; nextStart: SaleMoment | null }
  /** None is on yet: which starts first. */
  | { kind: 'upcoming'; total: number; nextStart: SaleMoment }
  /** Every deal's window has closed (or there are none). */
  | { kind: 'ended'; total: number }

/** bannerState describes the catalog as it is at now. */
export function bannerState(products: Product[], now: number): Banner {
  let live = 0
  let soonestEnd: SaleMoment | null = null
  let nextStart: SaleMoment | null = null
  for (const p of products) {
    const s = saleState(p, now)
    if (s.kind === 'active') {
      live++
      if (s.endsAt !== null && (soonestEnd === null || s.endsAt < soonestEnd.at)) soonestEnd = { product: p, at: s.endsAt }
    } else if (s.kind === 'upcoming' && (nextStart === null || s.startsAt < nextStart.at)) {
      nextStart = { product: p, at: s.startsAt }
    }
  }
  const total = products.length
  if (live > 0) return { kind: 'live', live, total, soonestEnd, nextStart }
  if (nextStart) return { kind: 'upcoming', total, nextStart }
  return { kind: 'ended', total }
}
