// What the deals page shows: a search, a category and an order, kept in
// the URL (?q=&category=&sort=) so a view can be shared and the back
// button steps through the shopper's choices.
import { SORTS, type Sort } from '@/types/api'

export interface CatalogQuery {
  q: string
  category: string
  sort: Sort
}

/** Mirrors the server's MaxSearchLen (service/shop). */
export const MAX_SEARCH_LEN = 100

export const SORT_LABELS: Record<Sort, string> = {
  featured: 'Featured',
  discount: 'Biggest discount',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
}

/**
 * parseCatalogQuery reads the URL leniently: a hand-edited or outdated
 * link (an unknown sort, an overlong search) shows the nearest valid view
 * instead of an error. Categories are checked against the catalog's.
 */
export function parseCatalogQuery(params: URLSearchParams, categories?: readonly { id: string }[]): CatalogQuery {
  const q = Array.from((params.get('q') ?? '').trim().replace(/\s+/g, ' ')).slice(0, MAX_SEARCH_LEN).join('')
  let category = params.get('category') ?? ''
  if (categories && !categories.some((c) => c.id === category)) category = ''
  const s = params.get('sort') ?? ''
  const sort: Sort = (SORTS as readonly string[]).includes(s) ? (s as Sort) : 'featured'
  return { q, category, sort }
}

export function isDefaultQuery(q: CatalogQuery): boolean {
  return q.q === '' && q.category === '' && q.sort === 'featured'
}

/** queryString writes only what differs from the default view. */
export function queryString(q: CatalogQuery): string {
  const p = new URLSearchParams()
  if (q.q) p.set('q', q.q)
  if (q.category) p.set('category', q.category)
  if (q.sort !== 'featured') p.set('sort', q.sort)
  return p.toString()
}
