// One Idempotency-Key per checkout attempt. It is kept (in sessionStorage,
// so even a reload of the checkout page keeps it) until the order is
// placed, so every retry, double click or resubmission of the attempt
// names the same order and the server can never place it twice. Requests
// the server rejected stored nothing under the key, so reusing it after a
// 409 or 422 is safe.
const KEY = 'flashscale.checkout.idempotency-key'

function newKey(): string {
  // randomUUID exists only in secure contexts (https, localhost); a shop
  // reached over plain http still needs a key.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

let memory: string | null = null

function stored(): string | null {
  try {
    return window.sessionStorage.getItem(KEY)
  } catch {
    return null
  }
}

export const attemptKey = {
  current(): string {
    const k = stored() ?? memory ?? newKey()
    memory = k
    try {
      window.sessionStorage.setItem(KEY, k)
    } catch {
      // Storage blocked: the in-memory key still covers this page.
    }
    return k
  },
  clear() {
    memory = null
    try {
      window.sessionStorage.removeItem(KEY)
    } catch {
      // Nothing stored.
    }
  },
}
