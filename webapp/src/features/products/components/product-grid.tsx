import type { Product } from '@/types/api'
import { ProductCard } from './product-card'

export function ProductGrid({ products, now }: { products: Product[]; now: number }) {
  return (
    <ul className="grid grid-cols-1 gap-4 min-[420px]:grid-cols-2 md:grid-cols-3 xl:grid-cols-4">
      {products.map((p) => (
        <li key={p.id} className="flex">
          <ProductCard product={p} now={now} />
        </li>
      ))}
    </ul>
  )
}
