import { QueryClientProvider, useQuery } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import type { ReactNode } from 'react'
import { describe, expect, it } from 'vitest'
import { ApiError, apiRequest } from '@/lib/api'
import { createQueryClient } from '@/lib/query-client'
import { account, orderFor, laptop } from '@/testing/fixtures'
import { guest, server } from '@/testing/server'
import { orderKeys } from '@/features/orders/api/get-orders'
import { sessionKeys, useRegister, useSession, useSignIn, useSignOut, watchSessionEnd } from './session'

function setup() {
  const client = createQueryClient()
  client.setDefaultOptions({ queries: { retry: false } })
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>
  return { client, wrapper }
}

/** record keeps the JSON bodies sent to one endpoint. */
function record(method: 'post' | 'delete', path: string, respond: () => Response) {
  const bodies: unknown[] = []
  server.use(
    http[method](path, async ({ request }) => {
      bodies.push(method === 'post' ? await request.json() : request.method)
      return respond()
    }),
  )
  return bodies
}

const fail = (status: number, code: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  HttpResponse.json({ error: { code, message: `${code}.`, ...extra } }, { status, headers })

describe('useSession', () => {
  it('is the signed-in account', async () => {
    const { wrapper } = setup()
    const { result } = renderHook(() => useSession(), { wrapper })
    await waitFor(() => expect(result.current.data).toEqual(account))
  })

  it('is null for a guest', async () => {
    server.use(guest())
    const { wrapper } = setup()
    const { result } = renderHook(() => useSession(), { wrapper })
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    expect(result.current.data).toBeNull()
  })
})

describe('useSignIn', () => {
  it('sends the credentials, then holds the account and drops the previous shopper’s orders', async () => {
    server.use(guest())
    const sent = record('post', '*/api/session', () => HttpResponse.json({ account }))
    const { client, wrapper } = setup()
    client.setQueryData(orderKeys.list(), { pages: [], pageParams: [] })
    const { result } = renderHook(() => useSignIn(), { wrapper })
    await act(() => result.current.mutateAsync({ email: 'asha@example.in', password: 'correct horse' }))
    expect(sent).toEqual([{ email: 'asha@example.in', password: 'correct horse' }])
    expect(client.getQueryData(sessionKeys.session)).toEqual(account)
    expect(client.getQueryData(orderKeys.list())).toBeUndefined()
  })

  it('fails with invalid_credentials (401) and keeps the shopper a guest', async () => {
    record('post', '*/api/session', () => fail(401, 'invalid_credentials'))
    const { client, wrapper } = setup()
    client.setQueryData(sessionKeys.session, null)
    const { result } = renderHook(() => useSignIn(), { wrapper })
    const err = await result.current.mutateAsync({ email: 'asha@example.in', password: 'wrong one' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 401, code: 'invalid_credentials' })
    expect(client.getQueryData(sessionKeys.session)).toBeNull()
  })

  it('reports how long to wait when rate limited (429 Retry-After)', async () => {
    record('post', '*/api/session', () => fail(429, 'rate_limited', {}, { 'Retry-After': '120' }))
    const { wrapper } = setup()
    const { result } = renderHook(() => useSignIn(), { wrapper })
    const err = await result.current.mutateAsync({ email: 'asha@example.in', password: 'x' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 120 })
  })
})

describe('useRegister', () => {
  it('creates the account (201), which signs the shopper in', async () => {
    const sent = record('post', '*/api/accounts', () => HttpResponse.json({ account }, { status: 201 }))
    const { client, wrapper } = setup()
    const { result } = renderHook(() => useRegister(), { wrapper })
    await act(() => result.current.mutateAsync({ name: 'Asha Rao', email: 'asha@example.in', password: 'correct horse' }))
    expect(sent).toEqual([{ name: 'Asha Rao', email: 'asha@example.in', password: 'correct horse' }])
    expect(client.getQueryData(sessionKeys.session)).toEqual(account)
  })

  it.each([
    [422, 'invalid', { fields: { password: 'must be at least 8 characters' } }],
    [409, 'conflict', {}],
  ])('passes a %i %s on with its fields, signing nobody in', async (status, code, extra) => {
    record('post', '*/api/accounts', () => fail(status, code, extra))
    const { client, wrapper } = setup()
    const { result } = renderHook(() => useRegister(), { wrapper })
    const err = await result.current.mutateAsync({ name: 'A', email: 'a@example.in', password: 'short' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ status, code, fields: 'fields' in extra ? extra.fields : {} })
    expect(client.getQueryData(sessionKeys.session)).toBeUndefined()
  })
})

describe('useSignOut', () => {
  it('ends the session (204) and forgets the account and its orders', async () => {
    const sent = record('delete', '*/api/session', () => new HttpResponse(null, { status: 204 }))
    const { client, wrapper } = setup()
    client.setQueryData(sessionKeys.session, account)
    client.setQueryData(orderKeys.one('FS-1'), orderFor('FS-1', [{ productId: laptop.id, quantity: 1 }]))
    const { result } = renderHook(() => useSignOut(), { wrapper })
    await act(() => result.current.mutateAsync())
    expect(sent).toEqual(['DELETE'])
    expect(client.getQueryData(sessionKeys.session)).toBeNull()
    expect(client.getQueryData(orderKeys.one('FS-1'))).toBeUndefined()
  })

  it('counts a session that had already ended (401) as signed out', async () => {
    record('delete', '*/api/session', () => fail(401, 'signin_required'))
    const { client, wrapper } = setup()
    client.setQueryData(sessionKeys.session, account)
    const { result } = renderHook(() => useSignOut(), { wrapper })
    await act(() => result.current.mutateAsync())
    expect(client.getQueryData(sessionKeys.session)).toBeNull()
  })

  it('keeps the shopper signed in when the shop cannot be reached', async () => {
    server.use(http.delete('*/api/session', () => HttpResponse.error()))
    const { client, wrapper } = setup()
    client.setQueryData(sessionKeys.session, account)
    const { result } = renderHook(() => useSignOut(), { wrapper })
    await expect(result.current.mutateAsync()).rejects.toThrow(/Could not reach the shop/)
    expect(client.getQueryData(sessionKeys.session)).toEqual(account)
  })
})

describe('watchSessionEnd', () => {
  it('signs the shopper out when a request is refused with signin_required', async () => {
    server.use(http.get('*/api/orders', () => fail(401, 'signin_required')))
    const { client, wrapper } = setup()
    const stop = watchSessionEnd(client)
    client.setQueryData(sessionKeys.session, account)
    renderHook(() => useQuery({ queryKey: ['orders', 'probe'], queryFn: () => apiRequest('/api/orders') }), { wrapper })
    await waitFor(() => expect(client.getQueryData(sessionKeys.session)).toBeNull())
    stop()
  })

  it('leaves the session alone for other failures', async () => {
    server.use(http.get('*/api/orders', () => fail(404, 'not_found')))
    const { client, wrapper } = setup()
    const stop = watchSessionEnd(client)
    client.setQueryData(sessionKeys.session, account)
    const { result } = renderHook(() => useQuery({ queryKey: ['orders', 'probe'], queryFn: () => apiRequest('/api/orders') }), { wrapper })
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(client.getQueryData(sessionKeys.session)).toEqual(account)
    stop()
  })
})
