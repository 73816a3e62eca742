import { describe, expect, it } from 'vitest'
import { discountPercent, formatCountdown, formatMoney } from './format'

describe('formatMoney', () => {
  it.each([
    [5_500_000, '₹55,000'],
    [11_000_000, '₹1,10,000'],
    [109_900, '₹1,099'],
    [109_950, '₹1,099.50'],
    [0, '₹0'],
  ])('%i paise → %s', (paise, want) => {
    expect(formatMoney(paise)).toBe(want)
  })
})

describe('discountPercent', () => {
  it.each([
    [5_500_000, 6_500_000, 15], // 15.38 % is advertised as 15 %
    [109_900, 449_000, 75], // 75.5 % rounds down, never up
    [100, 100, 0],
    [200, 100, 0],
    [100, 0, 0],
  ])('price %i, MRP %i → %i %%', (price, mrp, want) => {
    expect(discountPercent(price, mrp)).toBe(want)
  })
})

describe('formatCountdown', () => {
  it.each([
    [0, '00:00:00'],
    [-5000, '00:00:00'],
    [61_000, '00:01:01'],
    [3_600_000 * 25 + 1000, '1d 01:00:01'],
  ])('%i ms → %s', (ms, want) => {
    expect(formatCountdown(ms)).toBe(want)
  })
})
