import { describe, expect, it } from 'vitest'
import { serverFieldErrors, validateCustomer, validateField, validateItems } from './validation'

describe('validateField mirrors the server rules', () => {
  it.each([
    ['name', '', 'Name is required'],
    ['name', '   ', 'Name is required'],
    ['name', 'Asha Rao', undefined],
    ['name', 'x'.repeat(100), undefined],
    ['name', 'x'.repeat(101), 'Name must be at most 100 characters'],
    // Go counts runes: 100 Devanagari letters are 100, not 200, characters.
    ['name', 'अ'.repeat(100), undefined],
    ['email', 'asha@example.in', undefined],
    ['email', ' asha@example.in ', undefined],
    ['email', 'first.last+sale@mail.example.co.in', undefined],
    ['email', 'asha@example', 'Email must be a valid email address'],
    ['email', 'asha@@example.in', 'Email must be a valid email address'],
    ['email', 'asha example@x.in', 'Email must be a valid email address'],
    ['email', 'asha@example.in1', 'Email must be a valid email address'],
    ['email', `${'a'.repeat(250)}@x.in`, 'Email must be at most 254 characters'],
    ['phone', '9876543210', undefined],
    ['phone', '+91 98765 43210', undefined],
    ['phone', '+91-98765-43210', undefined],
    ['phone', '987654321', 'Phone must be a phone number of 10 to 15 digits'],
    ['phone', '1234567890123456', 'Phone must be a phone number of 10 to 15 digits'],
    ['phone', '98765 4321x', 'Phone must be a phone number of 10 to 15 digits'],
    ['phone', '(987) 654 3210', 'Phone must be a phone number of 10 to 15 digits'],
    ['phone', '98765 43210-', 'Phone must be a phone number of 10 to 15 digits'],
    ['address', 'MG Road', 'Address must be at least 10 characters'],
    ['address', '12 MG Road, Bengaluru', undefined],
    ['address', 'x'.repeat(501), 'Address must be at most 500 characters'],
  ] as const)('%s %j → %s', (field, value, want) => {
    expect(validateField(field, value)).toBe(want)
  })

  it('validates every customer field at once', () => {
    expect(validateCustomer({ name: '', email: 'x', phone: '1', address: 'short' })).toEqual({
      name: 'Name is required',
      email: 'Email must be a valid email address',
      phone: 'Phone must be a phone number of 10 to 15 digits',
      address: 'Address must be at least 10 characters',
    })
  })
})

describe('validateItems', () => {
  it('accepts a normal cart', () => {
    expect(validateItems([{ productId: 'a', quantity: 10 }])).toEqual([])
  })
  it.each([
    [[], 'Your cart is empty.'],
    [[{ productId: 'a', quantity: 11 }], 'Quantity of a must be between 1 and 10.'],
    [[{ productId: 'a', quantity: 0 }], 'Quantity of a must be between 1 and 10.'],
    [
      [
        { productId: 'a', quantity: 1 },
        { productId: 'a', quantity: 1 },
      ],
      'a appears more than once.',
    ],
    [Array.from({ length: 21 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })), 'A single order can hold at most 20 different products.'],
  ])('rejects %#', (items, want) => {
    expect(validateItems(items)).toContain(want)
  })
})

describe('serverFieldErrors', () => {
  it('labels customer fields like the client and keeps the rest apart', () => {
    expect(
      serverFieldErrors({ 'customer.email': 'must be a valid email address', 'items[0].quantity': 'must be between 1 and 10' }),
    ).toEqual({ customer: { email: 'Email must be a valid email address' }, other: ['items[0].quantity must be between 1 and 10'] })
  })
})
