import { screen } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { renderApp } from '@/testing/render'
import { server } from '@/testing/server'

describe('version page', () => {
  it.each([
    ['blue', 'bg-blue-700'],
    ['green', 'bg-green-700'],
  ])('names the %s colour in words and colour', async (color, cls) => {
    server.use(
      http.get('*/api/build-info', () =>
        HttpResponse.json({ version: 'v1.2.3', color, buildTime: '2025-10-01T10:00:00Z', commit: 'abc1234' }),
      ),
    )
    renderApp('/version')
    const badge = await screen.findByTestId('color-badge')
    expect(badge).toHaveTextContent(color)
    expect(badge).toHaveClass(cls)
    expect(screen.getByTestId('version')).toHaveTextContent('v1.2.3')
    expect(screen.getByText('abc1234')).toBeInTheDocument()
  })
})

describe('health page', () => {
  it('shows a 503 as unavailable instead of failing', async () => {
    server.use(
      http.get('*/api/health', () =>
        HttpResponse.json({ status: 'unavailable', store: 'down', color: 'blue', version: 'v1', uptimeSeconds: 5 }, { status: 503 }),
      ),
    )
    renderApp('/health')
    expect(await screen.findByText('Service unavailable')).toBeInTheDocument()
    expect(screen.getByTestId('health-status')).toHaveTextContent('unavailable')
  })
})
