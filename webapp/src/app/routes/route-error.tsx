import { useRouteError } from 'react-router'
import { ErrorPanel } from '@/components/ui/status'

/**
 * RouteError catches a page's render errors, inside the layout. standalone
 * is for a failure of the layout itself, which leaves no page around it.
 */
export default function RouteError({ standalone = false }: { standalone?: boolean }) {
  const error = useRouteError()
  const body = (
    <>
      <title>Something went wrong – FlashScale</title>
      <h1 className="mb-4 text-2xl font-bold">Something went wrong</h1>
      <ErrorPanel error={error} onRetry={() => window.location.reload()} title="This page could not be shown" />
    </>
  )
  return standalone ? <main className="mx-auto max-w-xl p-6">{body}</main> : <div className="mx-auto max-w-xl">{body}</div>
}
