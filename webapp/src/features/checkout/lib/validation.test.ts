import { describe, expect, it } from 'vitest'
import { customer } from '@/testing/fixtures'
import type { Customer } from '@/types/api'
import {
  formatAddress,
  normalizeCustomer,
  pinInState,
  serverFieldErrors,
  STATES,
  validateCustomer,
  validateField,
  validateItems,
} from './validation'

const valid: Customer = { ...customer }

describe('validateField mirrors the server rules', () => {
  it.each([
    ['name', '', 'Full name is required'],
    ['name', '   ', 'Full name is required'],
    ['name', 'Asha Rao', undefined],
    ['name', 'x'.repeat(100), undefined],
    ['name', 'x'.repeat(101), 'Full name must be at most 100 characters'],
    // Go counts runes: 100 Devanagari letters are 100, not 200, characters.
    ['name', 'अ'.repeat(100), undefined],
    ['email', 'asha@example.in', undefined],
    ['email', ' asha@example.in ', undefined],
    ['email', 'first.last+sale@mail.example.co.in', undefined],
    ['email', 'asha@example', 'Email must be a valid email address'],
    ['email', 'asha@@example.in', 'Email must be a valid email address'],
    ['email', 'asha example@x.in', 'Email must be a valid email address'],
    ['email', `${'a'.repeat(250)}@x.in`, 'Email must be at most 254 characters'],
    ['phone', '9876543210', undefined],
    ['phone', '+91 98765 43210', undefined],
    ['phone', '+91-98765-43210', undefined],
    ['phone', '09876543210', undefined],
    ['phone', '5876543210', 'Mobile number must be a 10-digit mobile number starting with 6, 7, 8 or 9'],
    ['phone', '987654321', 'Mobile number must be a 10-digit mobile number starting with 6, 7, 8 or 9'],
    ['phone', '+44 7700 900123', 'Mobile number must be a 10-digit mobile number starting with 6, 7, 8 or 9'],
    ['phone', '98765 4321x', 'Mobile number must be a 10-digit mobile number starting with 6, 7, 8 or 9'],
    ['addressLine1', '', 'Address line 1 is required'],
    ['addressLine1', 'x'.repeat(151), 'Address line 1 must be at most 150 characters'],
    ['addressLine2', '', undefined],
    ['city', '', 'City is required'],
    ['city', 'x'.repeat(61), 'City must be at most 60 characters'],
    ['state', '', 'State is required'],
    ['state', 'Karnatka', "State must be one of India's states and union territories"],
    ['pinCode', '560001', undefined],
    ['pinCode', '560 001', undefined],
    ['pinCode', '56001', 'PIN code must be 6 digits, not starting with 0'],
    ['pinCode', '060001', 'PIN code must be 6 digits, not starting with 0'],
    ['pinCode', '110001', 'PIN code is not in Karnataka'],
  ] as const)('%s %j → %s', (field, value, want) => {
    expect(validateField(field, { ...valid, [field]: value })).toBe(want)
  })

  it('checks the PIN against the state chosen, and only against a real state', () => {
    expect(validateField('pinCode', { ...valid, state: 'Kerala' })).toBe('PIN code is not in Kerala')
    expect(validateField('pinCode', { ...valid, state: '' })).toBeUndefined()
    expect(pinInState('533464', 'Puducherry')).toBe(true)
    expect(pinInState('605001', 'Puducherry')).toBe(true)
    expect(pinInState('400001', 'Gujarat')).toBe(false)
  })

  it('validates every customer field at once', () => {
    expect(validateCustomer({ name: '', email: 'x', phone: '1', addressLine1: '', addressLine2: '', city: '', state: 'Nowhere', pinCode: '12' })).toEqual({
      name: 'Full name is required',
      email: 'Email must be a valid email address',
      phone: 'Mobile number must be a 10-digit mobile number starting with 6, 7, 8 or 9',
      addressLine1: 'Address line 1 is required',
      city: 'City is required',
      state: "State must be one of India's states and union territories",
      pinCode: 'PIN code must be 6 digits, not starting with 0',
    })
    expect(validateCustomer(valid)).toEqual({})
  })

  it('knows the 28 states and 8 union territories', () => {
    expect(STATES).toHaveLength(36)
    expect(STATES.filter((s) => s.unionTerritory)).toHaveLength(8)
  })
})

describe('the one-text address', () => {
  it('is written as the server writes it', () => {
    const c = normalizeCustomer({ ...valid, pinCode: ' 560 001 ', city: ' Bengaluru ' })
    expect(formatAddress(c)).toBe('12 MG Road\nNear Trinity Metro\nBengaluru, Karnataka 560001')
    expect(formatAddress({ ...c, addressLine2: '' })).toBe('12 MG Road\nBengaluru, Karnataka 560001')
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
      serverFieldErrors({
        'customer.pinCode': 'is not in Kerala',
        'customer.address': 'must be at most 500 characters',
        'items[0].quantity': 'must be between 1 and 10',
      }),
    ).toEqual({
      customer: { pinCode: 'PIN code is not in Kerala', addressLine1: 'Address line 1 must be at most 500 characters' },
      other: ['items[0].quantity must be between 1 and 10'],
    })
  })
})
