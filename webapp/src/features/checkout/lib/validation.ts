// Client-side checks that mirror the server's (service/shop: Customer's
// validate tags and validateAddress, validateLines) so a shopper learns
// about a typo at once. The server still decides: its 422 fields are shown
// the same way.
import { isEmail } from '@/lib/email'
import type { Customer, LineRequest } from '@/types/api'
import states from './states.json'

export type CustomerField = keyof Customer
export type CustomerErrors = Partial<Record<CustomerField, string>>

export interface State {
  name: string
  /** First digits of the state's PIN codes (India Post's postal regions). */
  pinZones: string
  unionTerritory?: boolean
}

/** The 28 states and 8 union territories, kept equal to service/shop's States by a Go test. */
export const STATES: readonly State[] = states

/** Fields in the order the form shows them. */
export const FIELD_LABELS: Record<CustomerField, string> = {
  name: 'Full name',
  phone: 'Mobile number',
  email: 'Email',
  addressLine1: 'Address line 1',
  addressLine2: 'Address line 2',
  city: 'City',
  state: 'State',
  pinCode: 'PIN code',
}

export const OPTIONAL: readonly CustomerField[] = ['addressLine2']

export const LIMITS = {
  nameMax: 100,
  emailMax: 254,
  phoneMax: 25,
  lineMax: 150,
  cityMax: 60,
  linesMax: 20,
  quantityMax: 10,
} as const

// Same patterns as the server's mobileRegex and pinRegex.
const MOBILE = /^(?:\+91|91|0)?[6-9][0-9]{9}$/
const PIN = /^[1-9][0-9]{5}$/

/** Go counts string length in runes (code points), not UTF-16 units. */
function runes(s: string): number {
  return Array.from(s).length
}

export function stateByName(name: string): State | undefined {
  return STATES.find((s) => s.name === name)
}

/** pinInState mirrors shop.PINInState: the PIN's postal region is the state's. */
export function pinInState(pin: string, state: string): boolean {
  const s = stateByName(state)
  return s !== undefined && pin !== '' && s.pinZones.includes(pin[0]!)
}

/** normalizeCustomer trims like the server's CheckoutRequest.Normalize. */
export function normalizeCustomer(c: Customer): Customer {
  const out = { ...c }
  for (const f of Object.keys(FIELD_LABELS) as CustomerField[]) out[f] = c[f].trim()
  out.pinCode = out.pinCode.replace(/ /g, '')
  return out
}

/** formatAddress is the one-text form, as the server's FormatAddress writes it. */
export function formatAddress(c: Customer): string {
  const lines = [c.addressLine1, ...(c.addressLine2 ? [c.addressLine2] : []), `${c.city}, ${c.state} ${c.pinCode}`]
  return lines.join('\n')
}

/** validateField checks one field of a customer (the PIN against the chosen state). */
export function validateField(field: CustomerField, customer: Customer): string | undefined {
  const c = normalizeCustomer(customer)
  const v = c[field]
  const label = FIELD_LABELS[field]
  if (v === '') return OPTIONAL.includes(field) ? undefined : `${label} is required`
  const max = (n: number) => (runes(v) > n ? `${label} must be at most ${n} characters` : undefined)
  switch (field) {
    case 'name':
      return max(LIMITS.nameMax)
    case 'email':
      if (!isEmail(v)) return `${label} must be a valid email address`
      return max(LIMITS.emailMax)
    case 'phone':
      return max(LIMITS.phoneMax) ??
        (MOBILE.test(v.replace(/[ -]/g, '')) ? undefined : `${label} must be a 10-digit mobile number starting with 6, 7, 8 or 9`)
    case 'addressLine1':
    case 'addressLine2':
      return max(LIMITS.lineMax)
    case 'city':
      return max(LIMITS.cityMax)
    case 'state':
      return stateByName(v) ? undefined : `${label} must be one of India's states and union territories`
    case 'pinCode':
      if (!PIN.test(v)) return `${label} must be 6 digits, not starting with 0`
      if (stateByName(c.state) && !pinInState(v, c.state)) return `${label} is not in ${c.state}`
      return undefined
  }
}

export function validateCustomer(c: Customer): CustomerErrors {
  const errors: CustomerErrors = {}
  for (const f of Object.keys(FIELD_LABELS) as CustomerField[]) {
    const msg = validateField(f, c)
    if (msg) errors[f] = msg
  }
  return errors
}

/** validateItems mirrors validateLines; the cart store already keeps to it. */
export function validateItems(items: LineRequest[]): string[] {
  if (items.length === 0) return ['Your cart is empty.']
  if (items.length > LIMITS.linesMax) return [`A single order can hold at most ${LIMITS.linesMax} different products.`]
  const problems: string[] = []
  const seen = new Set<string>()
  for (const it of items) {
    if (seen.has(it.productId)) problems.push(`${it.productId} appears more than once.`)
    seen.add(it.productId)
    if (!Number.isInteger(it.quantity) || it.quantity < 1 || it.quantity > LIMITS.quantityMax)
      problems.push(`Quantity of ${it.productId} must be between 1 and ${LIMITS.quantityMax}.`)
  }
  return problems
}

/**
 * serverFieldErrors splits a 422's fields into customer fields (shown next
 * to their inputs, labelled like ours) and the rest (shown above the form).
 * The server's one-text address is written from the structured fields: its
 * verdict belongs to the first address line.
 */
export function serverFieldErrors(fields: Record<string, string>): { customer: CustomerErrors; other: string[] } {
  const customer: CustomerErrors = {}
  const other: string[] = []
  for (const [key, msg] of Object.entries(fields)) {
    let f = key.startsWith('customer.') ? key.slice('customer.'.length) : undefined
    if (f === 'address') f = 'addressLine1'
    if (f && f in FIELD_LABELS) customer[f as CustomerField] = `${FIELD_LABELS[f as CustomerField]} ${msg}`
    else other.push(`${key} ${msg}`)
  }
  return { customer, other }
}
