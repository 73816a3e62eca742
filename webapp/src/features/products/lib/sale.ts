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
  if (start !== null && now < start) return { kind: 'upcoming', startsAt: start }
  if (end !== null && now >= end) return { kind: 'ended' }
  return { kind: 'active', endsAt: end }
}

/** purchaseLimit is the most one line may hold: stock, the shopper cap and 10. */
export function purchaseLimit(p: Product): number {
  const cap = p.maxPerShopper && p.maxPerShopper > 0 ? p.maxPerShopper : MAX_QUANTITY_PER_LINE
  return Math.max(0, Math.min(MAX_QUANTITY_PER_LINE, p.stock, cap))
}

export const MAX_QUANTITY_PER_LINE = 10
export const LOW_STOCK = 10

export interface SaleMoment {
  kind: 'ends' | 'starts'
  at: number
}

/**
 * nextSaleMoment is what the banner counts down to: the soonest future
 * start or end among the products, or null when no product has a window.
 */
export function nextSaleMoment(products: Product[], now: number): SaleMoment | null {
  let best: SaleMoment | null = null
  for (const p of products) {
    for (const m of [
      { kind: 'starts' as const, at: ms(p.saleStartsAt) },
      { kind: 'ends' as const, at: ms(p.saleEndsAt) },
    ]) {
      if (m.at !== null && m.at > now && (best === null || m.at < best.at)) best = { kind: m.kind, at: m.at }
    }
  }
  return best
}

export function canBuy(p: Product, now: number): boolean {
  return p.stock > 0 && saleState(p, now).kind === 'active'
}
