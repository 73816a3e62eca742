import { Link } from 'react-router'
import { Countdown } from '@/components/ui/countdown'
import { productPath } from '@/config/paths'
import { formatWhen } from '@/lib/format'
import type { Product } from '@/types/api'
import { bannerState, type SaleMoment } from '../lib/sale'

function Named({ moment }: { moment: SaleMoment }) {
  return (
    <Link to={productPath(moment.product.id)} className="font-semibold text-white underline decoration-amber-300 underline-offset-2">
      {moment.product.name}
    </Link>
  )
}

/** Moment names a deal and counts down to its end or start. */
function Moment({ title, moment, now, verb }: { title: string; moment: SaleMoment; now: number; verb: 'ends' | 'starts' }) {
  return (
    <div className="mt-4">
      <p className="text-sm text-blue-100 sm:text-base">
        {title}: <Named moment={moment} />
      </p>
      <Countdown to={moment.at} now={now} label={`${moment.product.name} deal ${verb} in`} className="mt-2" />
    </div>
  )
}

/**
 * SaleBanner describes the catalog as it is: how many deals are live, the
 * deal that ends first and the one that starts next, each by name; or that
 * the sale has not started, or is over. Its height is fixed per state so
 * nothing below it moves while it counts down.
 */
export function SaleBanner({ products, now }: { products: Product[]; now: number }) {
  const b = bannerState(products, now)
  let heading: string
  let body: React.ReactNode
  switch (b.kind) {
    case 'live':
      heading = 'Flash sale is live'
      body = (
        <>
          <p className="mt-2 text-base text-blue-100 sm:text-lg">
            {b.live === b.total ? `All ${b.total} deals are live.` : `${b.live} of ${b.total} deals are live.`}
            {b.nextStart && (
              <>
                {' '}
                Next: <Named moment={b.nextStart} /> starts {formatWhen(b.nextStart.at, now)}.
              </>
            )}
          </p>
          {b.soonestEnd ? (
            <Moment title="Ending soonest" moment={b.soonestEnd} now={now} verb="ends" />
          ) : (
            <p className="mt-4 max-w-xl text-base text-blue-100 sm:text-lg">
              Limited stock at the lowest prices of the year. Grab yours before it is gone.
            </p>
          )}
        </>
      )
      break
    case 'upcoming':
      heading = 'Flash sale starts soon'
      body = <Moment title="First deal" moment={b.nextStart} now={now} verb="starts" />
      break
    case 'ended':
      heading = 'The flash sale has ended'
      body = (
        <p className="mt-4 max-w-xl text-base text-blue-100 sm:text-lg">
          Every deal of this sale has closed. Thank you for shopping with us: the next sale is announced here.
        </p>
      )
  }
  return (
    <section
      aria-labelledby="sale-heading"
      className="on-dark relative min-h-56 overflow-hidden rounded-3xl bg-gradient-to-br from-indigo-800 via-blue-800 to-blue-700 px-6 py-7 text-white shadow-lg sm:min-h-64 sm:px-10 sm:py-9"
    >
      <svg
        aria-hidden="true"
        viewBox="0 0 24 24"
        className="absolute -top-6 -right-6 size-48 rotate-12 text-amber-300/20 sm:size-64"
        fill="currentColor"
      >
        <path d="M13 2 4 14h7l-1 8 9-12h-7l1-8z" />
      </svg>
      <p className="text-sm font-semibold tracking-widest text-amber-300 uppercase">Big Billion Days</p>
      <h1 id="sale-heading" className="relative mt-1 text-3xl font-extrabold tracking-tight sm:text-5xl">
        {heading}
      </h1>
      <div className="relative">{body}</div>
    </section>
  )
}
