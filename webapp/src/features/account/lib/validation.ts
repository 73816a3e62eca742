// What the shop checks before sending a sign-in or a registration, so a
// typo is caught at once. The server still decides, and its 422 fields are
// shown the same way, next to their inputs.
import { isEmail } from '@/lib/email'
import type { FieldErrors } from '@/lib/api'

export type AccountField = 'name' | 'email' | 'password'
export type AccountErrors = Partial<Record<AccountField, string>>

/**
 * Passwords follow NIST SP 800-63B: a length, no composition rules. The
 * longest password is the server's to refuse (it takes at least 64).
 */
export const PASSWORD_MIN = 8

export const ACCOUNT_LABELS: Record<AccountField, string> = {
  name: 'Name',
  email: 'Email',
  password: 'Password',
}

/** Characters as a person counts them (and the server, in runes), not UTF-16 units. */
const length = (s: string) => Array.from(s).length

function checkEmail(email: string): string | undefined {
  if (email.trim() === '') return 'Email is required'
  if (!isEmail(email.trim())) return 'Email must be a valid email address, like name@example.in'
  return undefined
}

export function validateSignIn(v: { email: string; password: string }): AccountErrors {
  const errors: AccountErrors = {}
  const email = checkEmail(v.email)
  if (email) errors.email = email
  if (v.password === '') errors.password = 'Password is required'
  return errors
}

export function validateRegistration(v: { name: string; email: string; password: string }): AccountErrors {
  const errors: AccountErrors = {}
  if (v.name.trim() === '') errors.name = 'Name is required'
  const email = checkEmail(v.email)
  if (email) errors.email = email
  if (v.password === '') errors.password = 'Password is required'
  else if (length(v.password) < PASSWORD_MIN) errors.password = `Password must be at least ${PASSWORD_MIN} characters`
  return errors
}

/**
 * accountFieldErrors reads a 422's fields: a message for one of the form's
 * fields goes next to it, prefixed with its label when the server sent a
 * predicate ("must be at least 8 characters"); the rest are listed above
 * the form.
 */
export function accountFieldErrors(fields: FieldErrors): { errors: AccountErrors; other: string[] } {
  const errors: AccountErrors = {}
  const other: string[] = []
  for (const [key, msg] of Object.entries(fields)) {
    const f = key.split('.').at(-1) ?? key
    if (f in ACCOUNT_LABELS) {
      const label = ACCOUNT_LABELS[f as AccountField]
      errors[f as AccountField] = /^[A-Z]/.test(msg) ? msg : `${label} ${msg}`
    } else other.push(`${key} ${msg}`)
  }
  return { errors, other }
}
