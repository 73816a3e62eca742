// Formatting for Indian shoppers: lakh grouping (₹1,10,000), rupees
// without paise when the amount is whole.

const rupees = new Intl.NumberFormat('en-IN', {
  style: 'currency',
  currency: 'INR',
  minimumFractionDigits: 0,
  maximumFractionDigits: 0,
})
const rupeesAndPaise = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR' })

/** formatMoney formats an amount in paise: 5500000 → "₹55,000". */
export function formatMoney(paise: number): string {
  return paise % 100 === 0 ? rupees.format(paise / 100) : rupeesAndPaise.format(paise / 100)
}

/**
 * discountPercent rounds down, so the shop never advertises a bigger
 * discount than the prices give.
 */
export function discountPercent(price: number, mrp: number): number {
  if (mrp <= 0 || price >= mrp) return 0
  return Math.floor(((mrp - price) * 100) / mrp)
}

const dateTime = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'short' })

export function formatDateTime(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d)
}

/** formatCountdown renders a duration as "2d 03:04:05" or "03:04:05". */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const d = Math.floor(total / 86400)
  const h = Math.floor((total % 86400) / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const hms = [h, m, s].map((n) => String(n).padStart(2, '0')).join(':')
  return d > 0 ? `${d}d ${hms}` : hms
}

/** formatDuration renders seconds for people: "3 h 12 min", "45 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d} d ${h} h`
  if (h > 0) return `${h} h ${m} min`
  if (m > 0) return `${m} min ${s % 60} s`
  return `${s} s`
}

export interface Parts {
  days: number
  hours: number
  minutes: number
  seconds: number
}

/** durationParts splits a duration in ms (negative counts as 0). */
export function durationParts(ms: number): Parts {
  const total = Math.max(0, Math.floor(ms / 1000))
  return {
    days: Math.floor(total / 86400),
    hours: Math.floor((total % 86400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  }
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`

/** spokenDuration is a countdown for a screen reader: "1 hour 5 minutes 3 seconds". */
export function spokenDuration(ms: number): string {
  const { days, hours, minutes, seconds } = durationParts(ms)
  const parts = [
    days > 0 && plural(days, 'day'),
    (days > 0 || hours > 0) && plural(hours, 'hour'),
    (days > 0 || hours > 0 || minutes > 0) && plural(minutes, 'minute'),
    plural(seconds, 'second'),
  ]
  return parts.filter(Boolean).join(' ')
}

const dayTime = new Intl.DateTimeFormat('en-IN', { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' })

/**
 * formatWhen says when a sale moment comes: as a countdown within a day
 * ("in 00:24:53"), as a date beyond ("on 12 Oct, 9:00 pm").
 */
export function formatWhen(at: number, now: number): string {
  return at - now < 86_400_000 ? `in ${formatCountdown(at - now)}` : `on ${dayTime.format(new Date(at))}`
}

const deliveryDay = new Intl.DateTimeFormat('en-IN', { weekday: 'short', day: 'numeric', month: 'short' })

/** formatDay names a day for a delivery estimate: "Thu, 9 Oct". */
export function formatDay(t: number): string {
  return deliveryDay.format(new Date(t))
}
