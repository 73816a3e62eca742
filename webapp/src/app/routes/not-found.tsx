import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { EmptyState } from '@/components/ui/status'

export default function NotFoundRoute() {
  return (
    <>
      <title>Page not found – FlashScale</title>
      <EmptyState title="Page not found" heading="h1">
        <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
        <Link to="/" className={buttonClass('primary', 'mt-4')}>
          Back to the deals
        </Link>
      </EmptyState>
    </>
  )
}
