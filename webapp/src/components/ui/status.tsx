import type { ReactNode } from 'react'
import { errorMessage } from '@/lib/api'
import { transient } from '@/lib/query-client'
import { buttonClass } from './button'

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" className="flex items-center justify-center gap-3 py-16 text-slate-600">
      <span
        aria-hidden="true"
        className="size-5 animate-spin rounded-full border-2 border-slate-300 border-t-blue-700"
      />
      <span>{label}</span>
    </div>
  )
}

export function ErrorPanel({ error, onRetry, title = 'Something went wrong' }: {
  error: unknown
  onRetry?: () => void
  title?: string
}) {
  return (
    <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-5 text-red-900">
      <p className="font-semibold">{title}</p>
      <p className="mt-1 text-sm">{errorMessage(error)}</p>
      {onRetry && (
        <button type="button" onClick={onRetry} className={buttonClass('secondary', 'mt-3')}>
          Try again
        </button>
      )}
    </div>
  )
}

/**
 * ConnectionProblem is what a page shows while it cannot reach the shop: it
 * says so plainly and keeps trying by itself (the query retries); the
 * button only skips the wait.
 */
export function ConnectionProblem({ onRetry, children }: { onRetry?: () => void; children?: ReactNode }) {
  return (
    <div role="status" className="rounded-xl border border-amber-300 bg-amber-50 p-5 text-amber-950">
      <p className="flex items-center gap-2 font-semibold">
        <span aria-hidden="true" className="size-4 animate-spin rounded-full border-2 border-amber-300 border-t-amber-800" />
        Connection problem
      </p>
      <p className="mt-1 text-sm">
        {children ?? 'We cannot reach the shop right now. We keep trying: this page updates by itself as soon as the connection is back.'}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry} className={buttonClass('secondary', 'mt-3')}>
          Try now
        </button>
      )}
    </div>
  )
}

/** The part of a query QueryFallback reads. */
export interface FallbackQuery {
  isPending: boolean
  failureCount: number
  failureReason: unknown
  error: unknown
  refetch: () => unknown
}

/**
 * QueryFallback stands in for a page's data until it arrives: a spinner,
 * a connection problem that retries by itself, or, for an answer that
 * retrying cannot change, the error.
 */
export function QueryFallback({ query, label, title }: { query: FallbackQuery; label?: string; title?: string }) {
  const retry = () => void query.refetch()
  if (query.isPending) {
    return query.failureCount > 0 && transient(query.failureReason) ? <ConnectionProblem onRetry={retry} /> : <Spinner label={label} />
  }
  return <ErrorPanel error={query.error} onRetry={retry} title={title} />
}

export function EmptyState({ title, children, heading }: { title: string; children?: ReactNode; heading?: 'h1' | 'h2' }) {
  const Title = heading ?? 'p'
  return (
    <div className="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-14 text-center">
      <Title className="text-lg font-semibold text-slate-900">{title}</Title>
      {children && <div className="mt-3 text-slate-600">{children}</div>}
    </div>
  )
}

export function PageHeading({ children }: { children: ReactNode }) {
  return <h1 className="text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">{children}</h1>
}
