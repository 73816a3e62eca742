import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { product } from '@/testing/fixtures'
import { SaleBanner } from './sale-banner'

const now = Date.parse('2025-10-01T10:00:00Z')
const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString()

describe('SaleBanner', () => {
  it('counts down to the soonest end', () => {
    render(
      <SaleBanner
        now={now}
        products={[product({ id: 'a', saleEndsAt: at(90) }), product({ id: 'b', saleEndsAt: at(30) }), product({ id: 'c', saleEndsAt: at(-5) })]}
      />,
    )
    expect(screen.getByRole('timer')).toHaveAccessibleName('Ends in 00:30:00')
    expect(screen.getByRole('heading', { name: 'Flash sale is live' })).toBeInTheDocument()
  })

  it('counts down to a start when that comes first', () => {
    render(<SaleBanner now={now} products={[product({ id: 'a', saleStartsAt: at(61), saleEndsAt: at(600) })]} />)
    expect(screen.getByRole('timer')).toHaveAccessibleName('Starts in 01:01:00')
    expect(screen.getByRole('heading', { name: 'Flash sale starts soon' })).toBeInTheDocument()
  })

  it('shows a plain banner when no product has a window', () => {
    render(<SaleBanner now={now} products={[product({ id: 'a' })]} />)
    expect(screen.queryByRole('timer')).not.toBeInTheDocument()
    expect(screen.getByRole('heading', { name: 'Flash sale is live' })).toBeInTheDocument()
  })
})
