import { useState } from 'react'
import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { productPath } from '@/config/paths'
import { cx } from '@/lib/cx'
import { discountPercent } from '@/lib/format'
import type { Product } from '@/types/api'
import { cartStore, useCart } from '@/features/cart/store'
import { buyLabel, canBuy, purchaseLimit } from '../lib/sale'
import { PriceTag } from './price-tag'
import { StockNote } from './stock-note'

/**
 * ProductCard is one deal of the grid. paused disables buying while the
 * catalog cannot be refreshed: the stock shown may be out of date.
 */
export function ProductCard({ product, now, paused = false, eager = false }: {
  product: Product
  now: number
  paused?: boolean
  /** The first cards are on screen at load: their images should not wait. */
  eager?: boolean
}) {
  const { quantityOf } = useCart()
  const [note, setNote] = useState('')
  const buyable = canBuy(product, now)
  const limit = purchaseLimit(product)
  const inCart = quantityOf(product.id)
  const off = discountPercent(product.price, product.mrp)
  const headingId = `product-${product.id}`
  const label = buyLabel(product, now)

  function add() {
    const r = cartStore.add(product.id, 1, limit, product)
    if (!r.ok) setNote(r.reason === 'too_many_lines' ? 'Your cart is full (20 items).' : 'Not available.')
    else setNote(r.capped ? `Limit reached: at most ${r.quantity} per shopper.` : 'Added to cart.')
  }

  return (
    <article
      aria-labelledby={headingId}
      className="group flex w-full min-w-0 flex-col overflow-hidden rounded-2xl bg-white shadow-sm ring-1 ring-slate-200 transition-shadow hover:shadow-md"
    >
      <Link to={productPath(product.id)} tabIndex={-1} aria-hidden="true" className="relative block bg-slate-50">
        <img
          src={product.imageUrl}
          alt=""
          width={400}
          height={300}
          loading={eager ? 'eager' : 'lazy'}
          fetchPriority={eager ? 'high' : undefined}
          className={cx('aspect-[4/3] w-full object-contain p-3', !buyable && 'opacity-60 grayscale')}
        />
        {off > 0 && (
          <span className="absolute top-2 left-2 rounded-full bg-amber-300 px-2 py-0.5 text-xs font-bold text-slate-900 sm:top-3 sm:left-3 sm:px-2.5 sm:py-1">
            {off}% off
          </span>
        )}
      </Link>
      <div className="flex flex-1 flex-col gap-2 p-3 sm:p-4">
        <h3 id={headingId} className="text-sm leading-snug font-semibold break-words text-slate-900 sm:text-base">
          <Link to={productPath(product.id)} className="hover:text-blue-700 hover:underline">
            {product.name}
          </Link>
        </h3>
        <PriceTag price={product.price} mrp={product.mrp} />
        <StockNote product={product} now={now} />
        <div className="mt-auto pt-1">
          <button
            type="button"
            onClick={add}
            disabled={!buyable || paused}
            aria-label={`${label}: ${product.name}`}
            className={buttonClass('primary', 'w-full px-2')}
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
