import { render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it } from 'vitest'
import { product } from '@/testing/fixtures'
import type { Product } from '@/types/api'
import { SaleBanner } from './sale-banner'

const now = Date.parse('2025-10-01T10:00:00Z')
const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString()
const banner = (products: Product[]) =>
  render(
    <MemoryRouter>
      <SaleBanner now={now} products={products} />
    </MemoryRouter>,
  )

describe('SaleBanner describes the catalog as it is', () => {
  it('live: how many deals are on, which ends first and which starts next, by name', () => {
    banner([
      product({ id: 'a', name: 'Alpha TV', saleEndsAt: at(90) }),
      product({ id: 'b', name: 'Beta Phone', saleEndsAt: at(25) }),
      product({ id: 'c', name: 'Gamma Fridge', saleStartsAt: at(300), saleEndsAt: at(600) }),
      product({ id: 'd', name: 'Delta Watch', saleEndsAt: at(-5) }),
      product({ id: 'e', name: 'Epsilon Bag' }),
    ])
    expect(screen.getByRole('heading', { level: 1, name: 'Flash sale is live' })).toBeInTheDocument()
    // 3 of 5 are on now: a, b and e (c has not started, d has ended).
    expect(screen.getByText(/3 of 5 deals are live\./)).toBeInTheDocument()
    expect(screen.getByText(/Ending soonest:/)).toHaveTextContent('Ending soonest: Beta Phone')
    expect(screen.getByRole('timer')).toHaveAccessibleName('Beta Phone deal ends in 25 minutes 0 seconds')
    expect(screen.getByText(/Next:/)).toHaveTextContent('Next: Gamma Fridge starts in 05:00:00.')
    expect(screen.getByRole('link', { name: 'Beta Phone' })).toHaveAttribute('href', '/products/b')
  })

  it('labels the countdown boxes', () => {
    banner([product({ id: 'a', name: 'Alpha', saleEndsAt: at(26 * 60 + 3.5) })])
    const boxes = screen.getByRole('timer')
    expect(within(boxes).getByText('days')).toBeInTheDocument()
    expect(within(boxes).getByText('hrs')).toBeInTheDocument()
    expect(within(boxes).getByText('min')).toBeInTheDocument()
    expect(within(boxes).getByText('sec')).toBeInTheDocument()
    expect(boxes).toHaveTextContent('01days02hrs03min30sec')
    expect(boxes).toHaveAccessibleName('Alpha deal ends in 1 day 2 hours 3 minutes 30 seconds')
  })

  it('upcoming: nothing on yet, the first deal and when it starts', () => {
    banner([
      product({ id: 'a', name: 'Alpha TV', saleStartsAt: at(61), saleEndsAt: at(600) }),
      product({ id: 'b', name: 'Beta Phone', saleStartsAt: at(120) }),
    ])
    expect(screen.getByRole('heading', { level: 1, name: 'Flash sale starts soon' })).toBeInTheDocument()
    expect(screen.getByText(/First deal:/)).toHaveTextContent('First deal: Alpha TV')
    expect(screen.getByRole('timer')).toHaveAccessibleName('Alpha TV deal starts in 1 hour 1 minute 0 seconds')
  })

  it('ended: every window has closed', () => {
    banner([product({ id: 'a', saleEndsAt: at(-1) }), product({ id: 'b', saleStartsAt: at(-90), saleEndsAt: at(-30) })])
    expect(screen.getByRole('heading', { level: 1, name: 'The flash sale has ended' })).toBeInTheDocument()
    expect(screen.queryByRole('timer')).not.toBeInTheDocument()
  })

  it('all live with no end: a plain banner', () => {
    banner([product({ id: 'a' }), product({ id: 'b' })])
    expect(screen.getByRole('heading', { level: 1, name: 'Flash sale is live' })).toBeInTheDocument()
    expect(screen.getByText('All 2 deals are live.')).toBeInTheDocument()
    expect(screen.queryByRole('timer')).not.toBeInTheDocument()
  })
})
