import { useRouteError } from 'react-router'
import { ErrorPanel } from '@/components/ui/status'

/** RouteError catches render errors, e.g. a chunk that failed to load after a deploy. */
export default function RouteError() {
  const error = useRouteError()
  return (
    <main className="mx-auto max-w-xl p-6">
      <h1 className="mb-4 text-2xl font-bold">Something went wrong</h1>
      <ErrorPanel error={error} onRetry={() => window.location.reload()} title="This page could not be shown" />
    </main>
  )
}
