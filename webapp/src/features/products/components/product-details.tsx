import { useState } from 'react'
import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { QuantitySelect } from '@/components/ui/quantity-select'
import { cx } from '@/lib/cx'
import { formatCountdown } from '@/lib/format'
import type { Product } from '@/types/api'
import { cartStore, useCart } from '@/features/cart/store'
import { canBuy, purchaseLimit, saleState } from '../lib/sale'
import { PriceTag } from './price-tag'
import { StockNote } from './stock-note'

export function ProductDetails({ product, now }: { product: Product; now: number }) {
  const { quantityOf } = useCart()
  const [quantity, setQuantity] = useState(1)
  const [note, setNote] = useState<{ text: string; ok: boolean } | null>(null)
  const buyable = canBuy(product, now)
  const limit = purchaseLimit(product)
  const inCart = quantityOf(product.id)
  const sale = saleState(product, now)
  const chosen = Math.min(quantity, Math.max(1, limit))

  function add() {
    const r = cartStore.add(product.id, chosen, limit)
    if (!r.ok) {
      setNote({ ok: false, text: r.reason === 'too_many_lines' ? 'Your cart is full (20 items).' : 'This product cannot be bought right now.' })
    } else if (r.capped) {
      setNote({ ok: true, text: `Your cart now has ${r.quantity}, the most you can buy of this product.` })
    } else {
      setNote({ ok: true, text: `Added to cart. You have ${r.quantity} in your cart.` })
    }
  }

  return (
    <div className="grid gap-8 md:grid-cols-2">
      <div className="overflow-hidden rounded-3xl bg-white ring-1 ring-slate-200">
        <img
          src={product.imageUrl}
          alt={product.name}
          width={400}
          height={300}
          className={cx('aspect-[4/3] w-full object-contain p-6', !buyable && 'opacity-60 grayscale')}
        />
      </div>
      <div className="flex flex-col gap-4">
        <h1 className="text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">{product.name}</h1>
        <p className="text-slate-700">{product.description}</p>
        <PriceTag price={product.price} mrp={product.mrp} size="lg" />
        <p className="text-xs text-slate-600">Inclusive of all taxes</p>
        <StockNote product={product} now={now} />
        {sale.kind === 'active' && sale.endsAt !== null && (
          <p className="text-sm text-slate-700">
            Deal ends in <span className="font-semibold tabular-nums">{formatCountdown(sale.endsAt - now)}</span>
          </p>
        )}
        {product.maxPerShopper ? (
          <p className="text-sm text-slate-700">Limit {product.maxPerShopper} per shopper.</p>
        ) : null}
        <div className="mt-2 flex flex-wrap items-end gap-3 rounded-2xl bg-white p-4 ring-1 ring-slate-200">
          <QuantitySelect value={chosen} max={Math.max(1, limit)} onChange={setQuantity} disabled={!buyable} />
          <button type="button" onClick={add} disabled={!buyable} className={buttonClass('primary', 'min-w-40 flex-1')}>
            {product.stock === 0 ? 'Sold out' : buyable ? 'Add to cart' : 'Not available'}
          </button>
        </div>
        <div role="status" className="min-h-6 text-sm">
          {note && (
            <span className={note.ok ? 'text-green-800' : 'text-red-700'}>
              {note.text}{' '}
              {note.ok && (
                <Link to="/cart" className="font-semibold text-blue-700 underline">
                  Go to cart
                </Link>
              )}
            </span>
          )}
          {!note && inCart > 0 && <span className="text-slate-700">{inCart} in your cart.</span>}
        </div>
      </div>
    </div>
  )
}
