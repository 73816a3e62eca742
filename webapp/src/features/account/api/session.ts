// The shopper's account and session. The session itself is an HttpOnly
// cookie the shop cannot read: "who am I" is always asked of the server
// (GET /api/session) and kept in the query cache, where sign-in, sign-out
// and an expired session update it.
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import { ApiError, apiRequest } from '@/lib/api'
import type { Account, SessionBody } from '@/types/api'
import { orderKeys } from '@/features/orders/api/get-orders'
import { productKeys } from '@/features/products/api/get-products'

export const sessionKeys = {
  session: ['session'] as const,
}

export interface Credentials {
  email: string
  password: string
}

export interface Registration extends Credentials {
  name: string
}

export function getSession(signal?: AbortSignal): Promise<Account | null> {
  return apiRequest<SessionBody>('/api/session', { signal }).then((r) => r.account ?? null)
}

export function signIn(c: Credentials): Promise<Account> {
  return apiRequest<{ account: Account }>('/api/session', { method: 'POST', body: c }).then((r) => r.account)
}

export function register(r: Registration): Promise<Account> {
  return apiRequest<{ account: Account }>('/api/accounts', { method: 'POST', body: r }).then((res) => res.account)
}

export async function signOut(): Promise<void> {
  try {
    await apiRequest<void>('/api/session', { method: 'DELETE' })
  } catch (err) {
    // A session that already ended is as signed out as can be.
    if (!(err instanceof ApiError && err.status === 401)) throw err
  }
}

/**
 * useSession is the signed-in account, or null for a guest. It is asked
 * again when the window regains focus, so a sign-out in another tab shows.
 */
export function useSession() {
  return useQuery({
    queryKey: sessionKeys.session,
    queryFn: ({ signal }) => getSession(signal),
    staleTime: 60_000,
  })
}

/**
 * accountChanged puts the new account (or null) in the cache and drops
 * what belonged to the previous one: its orders, and every allowance
 * (remainingForShopper) on products and quotes. The cart is the browser's
 * and stays as it is.
 */
function accountChanged(qc: QueryClient, account: Account | null) {
  qc.setQueryData(sessionKeys.session, account)
  qc.removeQueries({ queryKey: orderKeys.all })
  void qc.invalidateQueries({ queryKey: productKeys.all })
  void qc.invalidateQueries({ queryKey: ['quote'] })
}

export function useSignIn() {
  const qc = useQueryClient()
  return useMutation<Account, Error, Credentials>({
    mutationFn: signIn,
    onSuccess: (account) => accountChanged(qc, account),
  })
}

/** useRegister creates the account; the server signs the shopper in with it. */
export function useRegister() {
  const qc = useQueryClient()
  return useMutation<Account, Error, Registration>({
    mutationFn: register,
    onSuccess: (account) => accountChanged(qc, account),
  })
}

/**
 * useSignOut ends the session. leave runs once the server has ended it and
 * before the shop forgets the account: a page that needs an account is
 * left first, instead of sending the shopper to sign in again.
 */
export function useSignOut(options: { leave?: () => unknown } = {}) {
  const qc = useQueryClient()
  return useMutation<void, Error, void>({
    mutationFn: async () => {
      await signOut()
      await options.leave?.()
    },
    onSuccess: () => accountChanged(qc, null),
  })
}

/** signinRequired is the server saying this request needs a session it no longer has. */
export function signinRequired(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401 && err.code === 'signin_required'
}

/**
 * watchSessionEnd marks the shopper signed out as soon as any request is
 * refused for want of a session (it expired, or was revoked on another
 * device), so pages that need an account send the shopper to sign in
 * instead of showing an error. It returns the unsubscribe function.
 */
export function watchSessionEnd(qc: QueryClient): () => void {
  const check = (err: unknown) => {
    if (signinRequired(err) && qc.getQueryData(sessionKeys.session)) accountChanged(qc, null)
  }
  const queries = qc.getQueryCache().subscribe((e) => {
    if (e.type === 'updated' && e.action.type === 'error') check(e.action.error)
  })
  const mutations = qc.getMutationCache().subscribe((e) => {
    if (e.type === 'updated' && e.action.type === 'error') check(e.action.error)
  })
  return () => {
    queries()
    mutations()
  }
}
