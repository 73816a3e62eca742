import type { ReactNode } from 'react'
import { Link } from 'react-router'
import { signInPath } from '@/config/paths'
import { ApiError, NetworkError } from '@/lib/api'

/** waitText says a Retry-After the way a person would. */
function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`
  const m = Math.ceil(seconds / 60)
  return `${m} ${m === 1 ? 'minute' : 'minutes'}`
}

/**
 * FormProblem explains why a sign-in or registration failed, in an alert
 * (announced when it appears; focused by the form). Problems of one field
 * are shown next to the field instead; other lists the server's messages
 * that name no field of the form.
 */
export function FormProblem({ id, error, next, email, other }: {
  id: string
  error: Error
  next: string
  email: string
  other: string[]
}) {
  let title: string
  let body: ReactNode
  if (error instanceof NetworkError) {
    title = 'We could not reach the shop'
    body = 'Check your connection and try again.'
  } else if (!(error instanceof ApiError)) {
    title = 'Something went wrong'
    body = error.message
  } else {
    switch (error.code) {
      case 'invalid_credentials':
        title = 'That email and password do not match'
        body = 'Check them and try again. Passwords are case-sensitive.'
        break
      case 'rate_limited':
        title = 'Too many attempts'
        body = `To keep accounts safe, this is paused. Try again in ${waitText(error.retryAfter ?? 60)}.`
        break
      case 'conflict':
        title = 'This email already has an account'
        body = (
          <>
            <Link to={signInPath(next)} state={{ email }} className="font-semibold underline">
              Sign in with {email}
            </Link>{' '}
            instead.
          </>
        )
        break
      case 'invalid':
        title = 'Please check the highlighted fields'
        body =
          other.length > 0 ? (
            <ul className="list-disc pl-5">
              {other.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          ) : null
        break
      default:
        title = error.retryable ? 'The shop is very busy right now' : 'We could not do that'
        body = error.retryable ? 'Please try again in a moment.' : error.message
    }
  }
  return (
    <div id={id} role="alert" tabIndex={-1} className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900 outline-none">
      <p className="text-base font-semibold">{title}</p>
      {body && <div className="mt-1">{body}</div>}
    </div>
  )
}
