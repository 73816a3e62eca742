/**
 * StaleNotice stands above a catalog the shop cannot refresh: what it shows
 * may be out of date, so buying waits until a refresh succeeds (the page
 * keeps trying by itself).
 */
export function StaleNotice() {
  return (
    <div role="status" className="flex items-start gap-3 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
      <span aria-hidden="true" className="mt-0.5 size-4 shrink-0 animate-spin rounded-full border-2 border-amber-300 border-t-amber-800" />
      <p>
        <span className="font-semibold">Connection problem.</span> Stock and prices shown may be out of date, so buying is
        paused until the shop is back. We keep trying: this page updates by itself.
      </p>
    </div>
  )
}
