import { describe, expect, it } from 'vitest'
import { safeNext } from './next'

const origin = 'https://shop.example.in'

describe('safeNext', () => {
  it.each([
    ['/checkout', '/checkout'],
    ['/orders/FS-ABC/confirmation', '/orders/FS-ABC/confirmation'],
    ['/?q=samsung&sort=price_asc', '/?q=samsung&sort=price_asc'],
    ['/products/dell-inspiron-15#reviews', '/products/dell-inspiron-15#reviews'],
  ])('comes back to a page of the shop: %s', (raw, want) => {
    expect(safeNext(raw, origin)).toBe(want)
  })

  it.each([
    ['nothing', null],
    ['empty', ''],
    ['another site', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example/checkout'],
    ['a backslash', '/\\evil.example'],
    ['a tab the URL parser drops', '/\t/evil.example'],
    ['a relative path', 'checkout'],
    ['javascript:', 'javascript:alert(1)'],
    ['the sign-in page itself', '/signin?next=/checkout'],
    ['the registration page', '/register'],
  ])('goes home instead of %s', (_, raw) => {
    expect(safeNext(raw, origin)).toBe('/')
  })
})
