// Client-side checks that mirror the server's (service/shop: Customer
// validate tags, validateLines) so a shopper learns about a typo at once.
// The server still decides: its 422 fields are shown the same way.
import type { Customer, LineRequest } from '@/types/api'

export type CustomerField = keyof Customer
export type CustomerErrors = Partial<Record<CustomerField, string>>

export const FIELD_LABELS: Record<CustomerField, string> = {
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  address: 'Address',
}

export const LIMITS = {
  nameMax: 100,
  emailMax: 254,
  addressMin: 10,
  addressMax: 500,
  phoneDigitsMin: 10,
  phoneDigitsMax: 15,
  linesMax: 20,
  quantityMax: 10,
} as const

// The dot-atom form of go-playground/validator's email rule: the domain
// needs a dot and a TLD that starts and ends with a letter.
const U = '\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF'
const ATEXT = `[a-zA-Z\\d!#$%&'*+\\-/=?^_\`{|}~${U}]`
const LABEL = `(?:[a-zA-Z\\d${U}]|[a-zA-Z\\d${U}][a-zA-Z\\d\\-.~${U}]*[a-zA-Z\\d${U}])`
const TLD = `(?:[a-zA-Z${U}]|[a-zA-Z${U}][a-zA-Z\\d\\-.~${U}]*[a-zA-Z${U}])`
const EMAIL = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@(?:${LABEL}\\.)+${TLD}\\.?$`)

// Same pattern as the server's phoneRegex; the digit count is checked apart.
const PHONE = /^\+?[0-9][0-9 -]{8,18}[0-9]$/

/** Go counts string length in runes (code points), not UTF-16 units. */
function runes(s: string): number {
  return Array.from(s).length
}

/** normalizeCustomer trims like the server's CheckoutRequest.Normalize. */
export function normalizeCustomer(c: Customer): Customer {
  return { name: c.name.trim(), email: c.email.trim(), phone: c.phone.trim(), address: c.address.trim() }
}

export function validateField(field: CustomerField, raw: string): string | undefined {
  const v = raw.trim()
  const label = FIELD_LABELS[field]
  if (v === '') return `${label} is required`
  switch (field) {
    case 'name':
      if (runes(v) > LIMITS.nameMax) return `${label} must be at most ${LIMITS.nameMax} characters`
      return undefined
    case 'email':
      if (!EMAIL.test(v)) return `${label} must be a valid email address`
      if (runes(v) > LIMITS.emailMax) return `${label} must be at most ${LIMITS.emailMax} characters`
      return undefined
    case 'phone': {
      const digits = v.replace(/\D/g, '').length
      if (!PHONE.test(v) || digits < LIMITS.phoneDigitsMin || digits > LIMITS.phoneDigitsMax)
        return `${label} must be a phone number of 10 to 15 digits`
      return undefined
    }
    case 'address':
      if (runes(v) < LIMITS.addressMin) return `${label} must be at least ${LIMITS.addressMin} characters`
      if (runes(v) > LIMITS.addressMax) return `${label} must be at most ${LIMITS.addressMax} characters`
      return undefined
  }
}

export function validateCustomer(c: Customer): CustomerErrors {
  const errors: CustomerErrors = {}
  for (const f of Object.keys(FIELD_LABELS) as CustomerField[]) {
    const msg = validateField(f, c[f])
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
 */
export function serverFieldErrors(fields: Record<string, string>): { customer: CustomerErrors; other: string[] } {
  const customer: CustomerErrors = {}
  const other: string[] = []
  for (const [key, msg] of Object.entries(fields)) {
    const f = key.startsWith('customer.') ? (key.slice('customer.'.length) as CustomerField) : undefined
    if (f && f in FIELD_LABELS) customer[f] = `${FIELD_LABELS[f]} ${msg}`
    else other.push(`${key} ${msg}`)
  }
  return { customer, other }
}
