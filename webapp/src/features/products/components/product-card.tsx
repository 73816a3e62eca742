import { useState } from 'react'
import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { cx } from '@/lib/cx'
import { discountPercent } from '@/lib/format'
import type { Product } from '@/types/api'
import { cartStore, useCart } from '@/features/cart/store'
import { canBuy, purchaseLimit, saleState } from '../lib/sale'
import { PriceTag } from './price-tag'
import { StockNote } from './stock-note'

export function ProductCard({ product, now }: { product: Product; now: number }) {
  const { quantityOf } = useCart()
  const [note, setNote] = useState('')
  const buyable = canBuy(product, now)
  const limit = purchaseLimit(product)
  const inCart = quantityOf(product.id)
  const off = discountPercent(product.price, product.mrp)
  const sale = saleState(product, now)
  const headingId = `product-${product.id}`

  function add() {
    const r = cartStore.add(product.id, 1, limit)
    if (!r.ok) setNote(r.reason === 'too_many_lines' ? 'Your cart is full (20 items).' : 'Not available.')
    else setNote(r.capped ? `Limit reached: at most ${r.quantity} per order.` : 'Added to cart.')
  }

  let label = 'Add to cart'
  if (product.stock === 0) label = 'Sold out'
  else if (sale.kind === 'upcoming') label = 'Coming soon'
  else if (sale.kind === 'ended') label = 'Sale ended'

  return (
    <article
      aria-labelledby={headingId}
      className="group flex w-full flex-col overflow-hidden rounded-2xl bg-white shadow-sm ring-1 ring-slate-200 transition-shadow hover:shadow-md"
    >
      <Link to={`/products/${product.id}`} tabIndex={-1} aria-hidden="true" className="relative block bg-slate-50">
        <img
          src={product.imageUrl}
          alt=""
          width={400}
          height={300}
          loading="lazy"
          className={cx('aspect-[4/3] w-full object-contain p-3', !buyable && 'opacity-60 grayscale')}
        />
        {off > 0 && (
          <span className="absolute top-3 left-3 rounded-full bg-amber-300 px-2.5 py-1 text-xs font-bold text-slate-900">
            {off}% off
          </span>
        )}
        {product.stock === 0 && (
          <span className="absolute top-3 right-3 rounded-full bg-slate-900 px-2.5 py-1 text-xs font-bold text-white">
            Sold out
          </span>
        )}
      </Link>
      <div className="flex flex-1 flex-col gap-2 p-4">
        <h2 id={headingId} className="text-base leading-snug font-semibold text-slate-900">
          <Link to={`/products/${product.id}`} className="hover:text-blue-700 hover:underline">
            {product.name}
          </Link>
        </h2>
        <PriceTag price={product.price} mrp={product.mrp} />
        <StockNote product={product} now={now} />
        <div className="mt-auto pt-2">
          <button
            type="button"
            onClick={add}
            disabled={!buyable}
            aria-label={`${label}: ${product.name}`}
            className={buttonClass('primary', 'w-full')}
          >
            {label}
          </button>
          <p role="status" className="mt-1.5 min-h-5 text-xs text-slate-600">
            {note || (inCart > 0 ? `${inCart} in your cart` : '')}
          </p>
        </div>
      </div>
    </article>
  )
}
