import { useEffect, useState, type FormEvent } from 'react'
import { flushSync } from 'react-dom'
import { ApiError } from '@/lib/api'
import { ACCOUNT_LABELS, accountFieldErrors, type AccountErrors, type AccountField } from '../lib/validation'

/**
 * useAccountForm holds what the sign-in and registration forms share: the
 * values, the errors next to each field (the shop's own checks, then the
 * server's 422 fields), the problem that belongs to the whole form, and
 * where focus goes when a submit fails: to the first field in error (its
 * message is part of its description, so it is read out) or to the alert.
 */
export function useAccountForm<F extends AccountField>(options: {
  idPrefix: string
  fields: readonly F[]
  initial?: Partial<Record<F, string>>
  validate: (values: Record<F, string>) => AccountErrors
}) {
  const { idPrefix, fields, validate } = options
  const [values, setValues] = useState(() => Object.fromEntries(fields.map((f) => [f, options.initial?.[f] ?? ''])) as Record<F, string>)
  const [errors, setErrors] = useState<AccountErrors>({})
  const [problem, setProblem] = useState<{ error: Error; other: string[] } | null>(null)
  /** Set while the server asks us to wait (429 Retry-After): submitting is paused. */
  const [paused, setPaused] = useState(false)
  const idOf = (f: F) => `${idPrefix}-${f}`
  const problemId = `${idPrefix}-problem`

  useEffect(() => {
    if (!paused) return
    const wait = problem?.error instanceof ApiError ? (problem.error.retryAfter ?? 60) : 60
    const t = window.setTimeout(() => setPaused(false), wait * 1000)
    return () => window.clearTimeout(t)
  }, [paused, problem])

  const focusFirst = (errs: AccountErrors) => {
    const first = fields.find((f) => errs[f])
    if (first) document.getElementById(idOf(first))?.focus()
    return first !== undefined
  }

  /** check runs the shop's own checks; false means "do not send". */
  function check(e?: FormEvent): boolean {
    e?.preventDefault()
    const errs = validate(values)
    flushSync(() => {
      setErrors(errs)
      setProblem(null)
    })
    return !focusFirst(errs)
  }

  /** fail shows a failed request: field errors by their fields, the rest in the alert. */
  function fail(error: Error) {
    let errs: AccountErrors = {}
    let other: string[] = []
    if (error instanceof ApiError && error.code === 'invalid') ({ errors: errs, other } = accountFieldErrors(error.fields))
    if (error instanceof ApiError && error.code === 'conflict' && 'email' in values)
      errs = { email: 'An account with this email already exists' }
    const onlyFields = error instanceof ApiError && error.code === 'invalid' && other.length === 0 && Object.keys(errs).length > 0
    flushSync(() => {
      setErrors(errs)
      setProblem(onlyFields ? null : { error, other })
      if (error instanceof ApiError && error.code === 'rate_limited') setPaused(true)
    })
    if (onlyFields) focusFirst(errs)
    else document.getElementById(problemId)?.focus()
  }

  const field = (f: F) => ({
    id: idOf(f),
    name: f,
    label: ACCOUNT_LABELS[f],
    value: values[f],
    error: errors[f],
    required: true,
    onChange: (e: { target: { value: string } }) => {
      const v = e.target.value
      setValues((old) => ({ ...old, [f]: v }))
      // The shopper is fixing it: the old verdict no longer applies.
      if (errors[f]) setErrors(({ [f]: _, ...rest }) => rest)
    },
  })

  return { values, field, check, fail, problem, problemId, paused }
}
