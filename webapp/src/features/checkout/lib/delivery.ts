// Delivery estimates by where a parcel goes, from the PIN code and state:
// metros get next-to-next-day delivery, the hills, islands and the north
// east take longest.
import { formatDay } from '@/lib/format'

/** First three PIN digits of the metros the shop ships from fastest. */
const METRO_PINS = new Set(['110', '400', '560', '600', '700', '500', '411', '380'])
/** States and territories served by air or long road legs. */
const REMOTE = new Set([
  'Andaman and Nicobar Islands',
  'Lakshadweep',
  'Ladakh',
  'Jammu and Kashmir',
  'Arunachal Pradesh',
  'Assam',
  'Manipur',
  'Meghalaya',
  'Mizoram',
  'Nagaland',
  'Sikkim',
  'Tripura',
])

export interface DeliveryEstimate {
  minDays: number
  maxDays: number
  /** The earliest and latest delivery days, as timestamps. */
  from: number
  to: number
  /** "Wed, 8 Oct – Fri, 10 Oct" */
  text: string
}

const DAY = 86_400_000

/** deliveryEstimate for an order placed at `at`, or null without a valid PIN and state. */
export function deliveryEstimate(pinCode: string, state: string, at: number): DeliveryEstimate | null {
  if (!/^[1-9][0-9]{5}$/.test(pinCode) || !state) return null
  const [minDays, maxDays] = METRO_PINS.has(pinCode.slice(0, 3)) ? [2, 3] : REMOTE.has(state) ? [6, 8] : [3, 5]
  const from = at + minDays * DAY
  const to = at + maxDays * DAY
  return { minDays, maxDays, from, to, text: `${formatDay(from)} – ${formatDay(to)}` }
}
