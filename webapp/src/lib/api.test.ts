import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { server } from '@/testing/server'
import { ApiError, apiRequest, errorMessage, NetworkError, parseRetryAfter } from './api'

describe('apiRequest', () => {
  it('sends JSON with the given headers and returns the parsed body', async () => {
    let seen: { body: unknown; type: string | null; key: string | null } | undefined
    server.use(
      http.post('*/api/echo', async ({ request }) => {
        seen = { body: await request.json(), type: request.headers.get('Content-Type'), key: request.headers.get('Idempotency-Key') }
        return HttpResponse.json({ ok: true }, { status: 201 })
      }),
    )
    const res = await apiRequest<{ ok: boolean }>('/api/echo', { method: 'POST', body: { a: 1 }, headers: { 'Idempotency-Key': 'k-1' } })
    expect(res).toEqual({ ok: true })
    expect(seen).toEqual({ body: { a: 1 }, type: 'application/json', key: 'k-1' })
  })

  it('takes 204 No Content as an answer without a body', async () => {
    let method = ''
    server.use(
      http.delete('*/api/session', ({ request }) => {
        method = request.method
        return new HttpResponse(null, { status: 204 })
      }),
    )
    await expect(apiRequest('/api/session', { method: 'DELETE' })).resolves.toBeUndefined()
    expect(method).toBe('DELETE')
  })

  it('parses the error envelope: code, message, fields, products', async () => {
    server.use(
      http.post('*/api/checkout', () =>
        HttpResponse.json(
          {
            error: {
              code: 'sold_out',
              message: 'Not enough stock.',
              products: [{ productId: 'dell-inspiron-15', requested: 2, available: 1 }, { bogus: true }],
            },
          },
          { status: 409 },
        ),
      ),
    )
    const err = await apiRequest('/api/checkout', { method: 'POST', body: {} }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect(e.status).toBe(409)
    expect(e.code).toBe('sold_out')
    expect(e.message).toBe('Not enough stock.')
    expect(e.products).toEqual([{ productId: 'dell-inspiron-15', requested: 2, available: 1 }])
    expect(e.fields).toEqual({})
    expect(e.retryable).toBe(false)
  })

  it('keeps 422 field messages and drops non-string ones', async () => {
    server.use(
      http.post('*/api/checkout', () =>
        HttpResponse.json(
          { error: { code: 'invalid', message: 'Checkout request is invalid.', fields: { 'customer.email': 'must be a valid email address', n: 3 } } },
          { status: 422 },
        ),
      ),
    )
    const e = (await apiRequest('/api/checkout', { method: 'POST', body: {} }).catch((x: unknown) => x)) as ApiError
    expect(e.code).toBe('invalid')
    expect(e.fields).toEqual({ 'customer.email': 'must be a valid email address' })
  })

  it('marks overload as retryable and reads Retry-After', async () => {
    server.use(
      http.post('*/api/checkout', () =>
        HttpResponse.json({ error: { code: 'overloaded', message: 'Busy.' } }, { status: 503, headers: { 'Retry-After': '2' } }),
      ),
    )
    const e = (await apiRequest('/api/checkout', { method: 'POST' }).catch((x: unknown) => x)) as ApiError
    expect(e.code).toBe('overloaded')
    expect(e.retryable).toBe(true)
    expect(e.retryAfter).toBe(2)
  })

  it.each([
    [502, 'unavailable', true],
    [503, 'unavailable', true],
    [500, 'internal', false],
    [404, 'http_error', false],
  ])('turns a %i without an envelope into code %s', async (status, code, retryable) => {
    server.use(http.get('*/api/thing', () => new HttpResponse('<html>bad gateway</html>', { status })))
    const e = (await apiRequest('/api/thing').catch((x: unknown) => x)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(status)
    expect(e.code).toBe(code)
    expect(e.retryable).toBe(retryable)
    expect(e.message).not.toBe('')
  })

  it('reports a failed connection as NetworkError', async () => {
    server.use(http.get('*/api/thing', () => HttpResponse.error()))
    const e = await apiRequest('/api/thing').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(NetworkError)
    expect(errorMessage(e)).toMatch(/could not reach the shop/i)
  })

  it('returns the body of an accepted non-2xx status', async () => {
    server.use(http.get('*/api/health', () => HttpResponse.json({ status: 'unavailable' }, { status: 503 })))
    await expect(apiRequest('/api/health', { acceptStatus: [503] })).resolves.toEqual({ status: 'unavailable' })
    await expect(apiRequest('/api/health')).rejects.toBeInstanceOf(ApiError)
  })

  it('rejects a 200 that is not JSON', async () => {
    server.use(http.get('*/api/thing', () => new HttpResponse('not json', { status: 200 })))
    const e = (await apiRequest('/api/thing').catch((x: unknown) => x)) as ApiError
    expect(e.code).toBe('malformed_response')
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-10-01T10:00:00Z')
  it.each([
    [null, null],
    ['3', 3],
    [' 0 ', 0],
    ['Wed, 01 Oct 2025 10:00:05 GMT', 5],
    ['Wed, 01 Oct 2025 09:00:00 GMT', 0],
    ['soon', null],
    ['-1', null],
  ])('%s → %s', (value, want) => {
    expect(parseRetryAfter(value, now)).toBe(want)
  })
})
