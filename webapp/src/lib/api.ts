// A small typed client for the FlashScale API. Every failure becomes one of
// two errors so that callers can decide what a shopper sees: ApiError (the
// server answered, with the contract's {"error":{...}} body when it could)
// and NetworkError (no answer at all: the request may or may not have
// reached the server).

export type FieldErrors = Record<string, string>

export interface Shortage {
  productId: string
  requested: number
  available: number
}

// Codes that mean "try the same request again shortly": the server shed
// load or is draining for a blue/green flip, or a proxy in front of it
// had no healthy backend for a moment.
const RETRYABLE = new Set(['overloaded', 'draining', 'unavailable'])

export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly code: string
  readonly fields: FieldErrors
  readonly products: Shortage[]
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfter: number | null

  constructor(init: {
    status: number
    code: string
    message: string
    fields?: FieldErrors
    products?: Shortage[]
    retryAfter?: number | null
  }) {
    super(init.message)
    this.status = init.status
    this.code = init.code
    this.fields = init.fields ?? {}
    this.products = init.products ?? []
    this.retryAfter = init.retryAfter ?? null
  }

  /** The same request may succeed if sent again after a pause. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code)
  }
}

export class NetworkError extends Error {
  override readonly name = 'NetworkError'
  constructor(cause: unknown) {
    super('Could not reach the shop. Check your connection and try again.', { cause })
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Non-2xx statuses whose body is a normal answer (e.g. 503 from /api/health). */
  acceptStatus?: number[]
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, headers = {}, signal, acceptStatus = [] } = options
  let res: Response
  try {
    // An absolute URL keeps the client usable outside a page (tests, workers);
    // in the browser it is the same origin either way.
    res = await fetch(new URL(path, window.location.origin), {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    })
  } catch (err) {
    if (signal?.aborted) throw err
    throw new NetworkError(err)
  }
  if (!res.ok && !acceptStatus.includes(res.status)) {
    throw await parseError(res)
  }
  // 204 (sign-out) has no body by definition: nothing to parse.
  if (res.status === 204) return undefined as T
  try {
    return (await res.json()) as T
  } catch {
    throw new ApiError({
      status: res.status,
      code: 'malformed_response',
      message: 'The shop sent an answer we could not read. Please try again.',
    })
  }
}

/** parseError turns a failed response into an ApiError, whatever its body. */
export async function parseError(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'))
  let payload: unknown
  try {
    payload = JSON.parse(await res.text())
  } catch {
    payload = undefined
  }
  const env = isRecord(payload) && isRecord(payload.error) ? payload.error : undefined
  if (env && typeof env.code === 'string' && env.code !== '') {
    return new ApiError({
      status: res.status,
      code: env.code,
      message: typeof env.message === 'string' && env.message ? env.message : fallbackMessage(res.status),
      fields: parseFields(env.fields),
      products: parseShortages(env.products),
      retryAfter,
    })
  }
  // No contract body: a proxy or load balancer answered. 502–504 there
  // mean "no healthy backend right now", which a retry can fix.
  const transient = res.status === 502 || res.status === 503 || res.status === 504
  return new ApiError({
    status: res.status,
    code: transient ? 'unavailable' : res.status >= 500 ? 'internal' : 'http_error',
    message: fallbackMessage(res.status),
    retryAfter,
  })
}

/** parseRetryAfter reads delta-seconds or an HTTP date into seconds from now. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v)
  // An HTTP date always names a day or month; this also keeps Date.parse
  // from reading "-1" as a year.
  if (!/[a-z]/i.test(v)) return null
  const at = Date.parse(v)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.ceil((at - now) / 1000))
}

function fallbackMessage(status: number): string {
  if (status >= 500) return 'The shop is having trouble right now. Please try again.'
  if (status === 404) return 'Not found.'
  return `Request failed (HTTP ${status}).`
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function parseFields(v: unknown): FieldErrors {
  if (!isRecord(v)) return {}
  const out: FieldErrors = {}
  for (const [k, msg] of Object.entries(v)) {
    if (typeof msg === 'string') out[k] = msg
  }
  return out
}

function parseShortages(v: unknown): Shortage[] {
  if (!Array.isArray(v)) return []
  return v.flatMap((s: unknown) =>
    isRecord(s) && typeof s.productId === 'string'
      ? [{ productId: s.productId, requested: Number(s.requested) || 0, available: Number(s.available) || 0 }]
      : [],
  )
}

/** errorMessage is what a shopper should read for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError || err instanceof NetworkError) return err.message
  return 'Something went wrong. Please try again.'
}
