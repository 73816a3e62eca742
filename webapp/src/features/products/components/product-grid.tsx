import { useEffect, useState } from 'react'
import type { Product } from '@/types/api'
import { ProductCard } from './product-card'

/** Cards above the fold on most screens, whose images load first. */
const EAGER = 4
/**
 * Cards of the first paint. The rest are rendered right after it: on a
 * slow phone, forty cards in the first render hold the screen back by a
 * second, and they are below the fold anyway (nothing visible moves).
 */
export const FIRST_PAINT = 8

/** ProductGrid lays deals out two to a row from 360 px, up to four on wide screens. */
export function ProductGrid({ products, now, paused }: { products: Product[]; now: number; paused?: boolean }) {
  const [all, setAll] = useState(false)
  useEffect(() => {
    if (all) return
    // After the browser has painted the first cards.
    let timer = 0
    const frame = requestAnimationFrame(() => {
      timer = window.setTimeout(() => setAll(true), 0)
    })
    return () => {
      cancelAnimationFrame(frame)
      window.clearTimeout(timer)
    }
  }, [all])
  const shown = all ? products : products.slice(0, FIRST_PAINT)
  return (
    <ul className="grid grid-cols-1 gap-3 min-[360px]:grid-cols-2 sm:gap-4 md:grid-cols-3 xl:grid-cols-4">
      {shown.map((p, i) => (
        <li key={p.id} className="flex min-w-0">
          <ProductCard product={p} now={now} paused={paused} eager={i < EAGER} />
        </li>
      ))}
    </ul>
  )
}
