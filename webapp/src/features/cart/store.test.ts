import { describe, expect, it } from 'vitest'
import { CART_STORAGE_KEY, cartStore, MAX_LINES } from './store'

const stored = () => JSON.parse(window.localStorage.getItem(CART_STORAGE_KEY) ?? 'null') as unknown

describe('cartStore', () => {
  it('adds, merges lines and persists to localStorage', () => {
    cartStore.add('a', 1)
    cartStore.add('b', 2)
    cartStore.add('a', 2)
    expect(cartStore.getSnapshot()).toEqual([
      { productId: 'a', quantity: 3 },
      { productId: 'b', quantity: 2 },
    ])
    expect(stored()).toEqual(cartStore.getSnapshot())
  })

  it('caps a line at the purchase limit and says so', () => {
    expect(cartStore.add('a', 2, 3)).toEqual({ ok: true, quantity: 2, capped: false })
    expect(cartStore.add('a', 2, 3)).toEqual({ ok: true, quantity: 3, capped: true })
    expect(cartStore.add('b', 50)).toEqual({ ok: true, quantity: 10, capped: true })
    expect(cartStore.add('c', 1, 0)).toEqual({ ok: false, reason: 'unavailable' })
  })

  it('refuses a line beyond the server limit of lines', () => {
    for (let i = 0; i < MAX_LINES; i++) cartStore.add(`p${i}`, 1)
    expect(cartStore.add('one-too-many', 1)).toEqual({ ok: false, reason: 'too_many_lines' })
    expect(cartStore.add('p0', 1)).toMatchObject({ ok: true, quantity: 2 })
    expect(cartStore.getSnapshot()).toHaveLength(MAX_LINES)
  })

  it('sets quantities within 1..10 and removes lines', () => {
    cartStore.add('a', 1)
    cartStore.add('b', 1)
    cartStore.setQuantity('a', 7)
    cartStore.setQuantity('b', 99)
    expect(cartStore.getSnapshot()).toEqual([
      { productId: 'a', quantity: 7 },
      { productId: 'b', quantity: 10 },
    ])
    cartStore.setQuantity('a', 0)
    expect(cartStore.getSnapshot()[0]).toEqual({ productId: 'a', quantity: 1 })
    cartStore.remove('a')
    expect(cartStore.getSnapshot()).toEqual([{ productId: 'b', quantity: 10 }])
    cartStore.clear()
    expect(stored()).toEqual([])
  })

  it('survives a reload: the cart is read back from storage', () => {
    cartStore.add('a', 2)
    window.localStorage.setItem(CART_STORAGE_KEY, JSON.stringify([{ productId: 'z', quantity: 4 }]))
    cartStore.reload()
    expect(cartStore.getSnapshot()).toEqual([{ productId: 'z', quantity: 4 }])
  })

  it.each([
    ['not json', '{'],
    ['not a list', '{"a":1}'],
  ])('ignores storage that is %s', (_, raw) => {
    window.localStorage.setItem(CART_STORAGE_KEY, raw)
    cartStore.reload()
    expect(cartStore.getSnapshot()).toEqual([])
  })

  it('keeps only well-formed lines from storage, clamped and deduplicated', () => {
    window.localStorage.setItem(
      CART_STORAGE_KEY,
      JSON.stringify([
        { productId: 'a', quantity: 40 },
        { productId: 'a', quantity: 1 },
        { productId: '', quantity: 1 },
        { productId: 'b', quantity: '2' },
        null,
        { productId: 'c', quantity: 0 },
      ]),
    )
    cartStore.reload()
    expect(cartStore.getSnapshot()).toEqual([
      { productId: 'a', quantity: 10 },
      { productId: 'c', quantity: 1 },
    ])
  })
})
