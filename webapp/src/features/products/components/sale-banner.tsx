import { formatCountdown } from '@/lib/format'
import type { Product } from '@/types/api'
import { nextSaleMoment } from '../lib/sale'

function Digits({ value }: { value: string }) {
  return (
    <span className="rounded-lg bg-white/15 px-2 py-1 font-mono text-2xl font-bold tabular-nums sm:text-4xl">
      {value}
    </span>
  )
}

/** SaleBanner counts down to the soonest sale start or end in the catalog. */
export function SaleBanner({ products, now }: { products: Product[]; now: number }) {
  const moment = nextSaleMoment(products, now)
  const left = moment ? moment.at - now : 0
  const text = moment ? formatCountdown(left) : ''
  const parts = text.split(' ')
  const hms = parts[parts.length - 1] ?? ''
  const days = parts.length > 1 ? parts[0] : null
  return (
    <section
      aria-labelledby="sale-heading"
      className="on-dark relative overflow-hidden rounded-3xl bg-gradient-to-br from-indigo-800 via-blue-800 to-blue-700 px-6 py-8 text-white shadow-lg sm:px-10 sm:py-10"
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
      <h1 id="sale-heading" className="mt-2 text-3xl font-extrabold tracking-tight sm:text-5xl">
        {moment?.kind === 'starts' ? 'Flash sale starts soon' : 'Flash sale is live'}
      </h1>
      {moment ? (
        <div className="mt-5 flex flex-wrap items-center gap-3">
          <span className="text-base text-blue-100 sm:text-lg">
            {moment.kind === 'starts' ? 'Next deals drop in' : 'Deals end in'}
          </span>
          <span
            role="timer"
            aria-label={`${moment.kind === 'starts' ? 'Starts' : 'Ends'} in ${text}`}
            className="flex items-center gap-1.5"
          >
            {days && <Digits value={days} />}
            {hms.split(':').map((v, i) => (
              <Digits key={i} value={v} />
            ))}
          </span>
        </div>
      ) : (
        <p className="mt-4 max-w-xl text-base text-blue-100 sm:text-lg">
          Limited stock at the lowest prices of the year. Grab yours before it is gone.
        </p>
      )}
    </section>
  )
}
