import { describe, expect, it } from 'vitest'
import { deliveryEstimate } from './delivery'

const at = Date.parse('2025-10-06T10:00:00+05:30') // a Monday

describe('deliveryEstimate', () => {
  it.each([
    ['560001', 'Karnataka', 2, 3], // Bengaluru
    ['110001', 'Delhi', 2, 3],
    ['302001', 'Rajasthan', 3, 5], // Jaipur
    ['781001', 'Assam', 6, 8], // Guwahati
    ['744101', 'Andaman and Nicobar Islands', 6, 8],
    ['194101', 'Ladakh', 6, 8],
  ])('%s (%s) takes %i–%i days', (pin, state, min, max) => {
    const e = deliveryEstimate(pin, state, at)
    expect(e).toMatchObject({ minDays: min, maxDays: max })
    expect(e!.to - e!.from).toBe((max - min) * 86_400_000)
  })

  it('names the days', () => {
    expect(deliveryEstimate('560001', 'Karnataka', at)?.text).toBe('Wed, 8 Oct – Thu, 9 Oct')
  })

  it('needs a PIN code and a state', () => {
    expect(deliveryEstimate('5600', 'Karnataka', at)).toBeNull()
    expect(deliveryEstimate('560001', '', at)).toBeNull()
  })
})
