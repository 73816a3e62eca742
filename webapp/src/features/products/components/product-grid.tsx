import type { Product } from '@/types/api'
import { ProductCard } from './product-card'

/** Cards above the fold on most screens, whose images load first. */
const EAGER = 4

/** ProductGrid lays deals out two to a row from 360 px, up to four on wide screens. */
export function ProductGrid({ products, now, paused }: { products: Product[]; now: number; paused?: boolean }) {
  return (
    <ul className="grid grid-cols-1 gap-3 min-[360px]:grid-cols-2 sm:gap-4 md:grid-cols-3 xl:grid-cols-4">
      {products.map((p, i) => (
        <li key={p.id} className="flex min-w-0">
          <ProductCard product={p} now={now} paused={paused} eager={i < EAGER} />
        </li>
      ))}
    </ul>
  )
}
