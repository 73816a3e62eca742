import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { EmptyState } from '@/components/ui/status'

export default function NotFoundRoute() {
  return (
    <>
      <title>Page not found – FlashScale</title>
      <h1 className="sr-only">Page not found</h1>
      <EmptyState title="This page does not exist">
        <Link to="/" className={buttonClass('primary')}>
          Back to the deals
        </Link>
      </EmptyState>
    </>
  )
}
