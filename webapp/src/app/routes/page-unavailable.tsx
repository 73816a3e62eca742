import { useEffect, useState } from 'react'
import { buttonClass } from '@/components/ui/button'
import { ConnectionProblem } from '@/components/ui/status'
import { reloader } from '@/lib/reload'

/** How often PageUnavailable asks whether the shop answers again. */
const PROBE_MS = 3_000
const RELOADED = 'flashscale.reloaded'

/** shopAnswers reports whether the server answers at all (a 404 counts). */
async function shopAnswers(): Promise<boolean> {
  try {
    const res = await fetch('/healthz', { cache: 'no-store' })
    return res.status < 500
  } catch {
    return false
  }
}

/**
 * PageUnavailable stands in for a page whose code could not be fetched.
 * When the shop answers, a full reload fetches the page afresh (after a
 * deploy its chunk has a new name); while it does not, the shopper reads a
 * connection problem inside the usual header, and the page reloads by
 * itself once the shop is back. A page that still fails right after a
 * reload offers a button instead of reloading in a loop.
 */
export function PageUnavailable() {
  const [stuck] = useState(() => {
    try {
      const at = Number(window.sessionStorage.getItem(`${RELOADED}:${window.location.pathname}`))
      return Date.now() - at < 30_000
    } catch {
      return false
    }
  })
  useEffect(() => {
    if (stuck) return
    let live = true
    let timer = 0
    const probe = async () => {
      if (!live) return
      if (await shopAnswers()) {
        try {
          window.sessionStorage.setItem(`${RELOADED}:${window.location.pathname}`, String(Date.now()))
        } catch {
          // No storage: the loop guard is lost, the reload still helps.
        }
        reloader.reload()
        return
      }
      timer = window.setTimeout(() => void probe(), PROBE_MS)
    }
    void probe()
    return () => {
      live = false
      window.clearTimeout(timer)
    }
  }, [stuck])

  return (
    <div className="space-y-4">
      <title>Connection problem – FlashScale</title>
      <h1 className="text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">This page could not be loaded</h1>
      {stuck ? (
        <div role="alert" className="rounded-xl border border-red-200 bg-red-50 p-5 text-red-900">
          <p>The shop answers, but this page did not load even after a reload.</p>
          <button type="button" onClick={() => reloader.reload()} className={buttonClass('secondary', 'mt-3')}>
            Reload the page
          </button>
        </div>
      ) : (
        <ConnectionProblem>
          We cannot reach the shop right now. This page loads by itself as soon as the connection is back.
        </ConnectionProblem>
      )}
    </div>
  )
}
