import { useState } from 'react'
import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { QuantitySelect } from '@/components/ui/quantity-select'
import { paths, productPath, signInPath } from '@/config/paths'
import { cx } from '@/lib/cx'
import { formatWhen } from '@/lib/format'
import type { ProductDetail } from '@/types/api'
import { cartStore, useCart } from '@/features/cart/store'
import { buyLabel, canBuy, purchaseLimit, saleState } from '../lib/sale'
import { PriceTag } from './price-tag'
import { StockNote } from './stock-note'

/**
 * ProductDetails never offers more than the shopper may still buy: stock,
 * 10 a line, and the per-shopper cap less what they already bought
 * (remainingForShopper) and already hold in the cart.
 */
export function ProductDetails({ product, now, paused = false, guest = false }: {
  product: ProductDetail
  now: number
  paused?: boolean
  /** A guest has no allowance yet: the server counts purchases per account. */
  guest?: boolean
}) {
  const { quantityOf } = useCart()
  const [quantity, setQuantity] = useState(1)
  const [note, setNote] = useState<{ text: string; ok: boolean } | null>(null)
  const inCart = quantityOf(product.id)
  const limit = purchaseLimit(product, product.remainingForShopper)
  const canAdd = Math.max(0, limit - inCart)
  const buyable = canBuy(product, now) && canAdd > 0 && !paused
  const sale = saleState(product, now)
  const chosen = Math.min(quantity, Math.max(1, canAdd))
  const cap = product.maxPerShopper ?? 0
  const bought = product.remainingForShopper !== undefined ? cap - product.remainingForShopper : 0

  function add() {
    const r = cartStore.add(product.id, chosen, limit, product)
    if (!r.ok) {
      setNote({ ok: false, text: r.reason === 'too_many_lines' ? 'Your cart is full (20 items).' : 'This product cannot be bought right now.' })
    } else if (r.capped) {
      setNote({ ok: true, text: `Your cart now has ${r.quantity}, the most you can buy of this product.` })
    } else {
      setNote({ ok: true, text: `Added to cart. You have ${r.quantity} in your cart.` })
    }
    setQuantity(1)
  }

  let label = buyLabel(product, now)
  if (label === 'Add to cart' && canAdd === 0) label = 'Limit reached'

  return (
    <div className="grid gap-6 md:grid-cols-2 md:gap-8">
      <div className="overflow-hidden rounded-3xl bg-white ring-1 ring-slate-200">
        <img
          src={product.imageUrl}
          alt={product.name}
          width={400}
          height={300}
          fetchPriority="high"
          className={cx('aspect-[4/3] w-full object-contain p-6', !canBuy(product, now) && 'opacity-60 grayscale')}
        />
      </div>
      <div className="flex min-w-0 flex-col gap-4">
        <h1 className="text-2xl font-bold tracking-tight break-words text-slate-900 sm:text-3xl">{product.name}</h1>
        <p className="text-slate-700">{product.description}</p>
        <PriceTag price={product.price} mrp={product.mrp} size="lg" />
        <p className="text-xs text-slate-600">Inclusive of all taxes</p>
        <StockNote product={product} now={now} />
        {sale.kind === 'upcoming' && (
          <p className="text-sm text-slate-700">This deal opens {formatWhen(sale.startsAt, now)}. Come back then to buy it.</p>
        )}
        {cap > 0 && (
          <p className="text-sm text-slate-700">
            {limitText(cap, bought, inCart, canBuy(product, now) ? canAdd : null, guest)}
            {guest && (
              <>
                {' '}
                <Link to={signInPath(productPath(product.id))} className="font-semibold text-blue-700 underline">
                  Sign in
                </Link>{' '}
                to see how many you can still buy.
              </>
            )}
          </p>
        )}
        <div className="mt-2 flex flex-wrap items-end gap-3 rounded-2xl bg-white p-4 ring-1 ring-slate-200">
          <QuantitySelect value={chosen} max={Math.max(1, canAdd)} onChange={setQuantity} disabled={!buyable} />
          <button type="button" onClick={add} disabled={!buyable} className={buttonClass('primary', 'min-w-40 flex-1')}>
            {label}
          </button>
        </div>
        <div role="status" className="min-h-6 text-sm">
          {note && (
            <span className={note.ok ? 'text-green-800' : 'text-red-700'}>
              {note.text}{' '}
              {note.ok && (
                <Link to={paths.cart} className="font-semibold text-blue-700 underline">
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

/**
 * limitText explains the cap and what is left of it ("You can buy 1
 * more"); canAdd is null when the deal cannot be bought anyway. A guest
 * hears only the cap: what they have bought is counted once they sign in.
 */
function limitText(cap: number, bought: number, inCart: number, canAdd: number | null, guest: boolean): string {
  let t = `Limit ${cap} per shopper.`
  if (bought > 0) t += ` You have bought ${bought}.`
  if (inCart > 0) t += ` ${inCart} in your cart.`
  if (canAdd === 0) t += ' You cannot add more of this deal.'
  else if (canAdd !== null && !guest && inCart > 0) t += ` You can add ${canAdd} more.`
  else if (canAdd !== null && !guest && bought > 0) t += ` You can buy ${canAdd} more.`
  return t
}
