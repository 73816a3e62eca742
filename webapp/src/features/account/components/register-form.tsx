import { useId, useState } from 'react'
import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { TextField } from '@/components/ui/field'
import { signInPath } from '@/config/paths'
import { useRegister } from '../api/session'
import { PASSWORD_MIN, validateRegistration } from '../lib/validation'
import { FormProblem } from './form-problem'
import { useAccountForm } from './use-account-form'

const FIELDS = ['name', 'email', 'password'] as const

/** RegisterForm creates an account, which signs the shopper in; the page then takes them on to next. */
export function RegisterForm({ next }: { next: string }) {
  const registration = useRegister()
  const form = useAccountForm({ idPrefix: 'register', fields: FIELDS, validate: validateRegistration })
  // Seeing the password catches a typo better than typing it twice (NIST SP 800-63B).
  const [show, setShow] = useState(false)
  const showId = useId()

  function submit(e: React.FormEvent) {
    if (!form.check(e) || registration.isPending || form.paused) return
    const { name, email, password } = form.values
    registration.mutate({ name: name.trim(), email: email.trim(), password }, { onError: form.fail })
  }

  return (
    <form noValidate onSubmit={submit} aria-label="Create an account" className="space-y-5">
      {form.problem && <FormProblem id={form.problemId} next={next} email={form.values.email.trim()} {...form.problem} />}
      <TextField {...form.field('name')} autoComplete="name" maxLength={100} />
      <TextField {...form.field('email')} type="email" autoComplete="email" inputMode="email" maxLength={254} hint="For sign-in and your order confirmations" />
      <div>
        <TextField
          {...form.field('password')}
          type={show ? 'text' : 'password'}
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN} characters. A few words you can remember make a strong one.`}
        />
        <div className="mt-2 flex items-center gap-2">
          <input id={showId} type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} className="size-4" />
          <label htmlFor={showId} className="text-sm text-slate-800">
            Show password
          </label>
        </div>
      </div>
      <button type="submit" disabled={registration.isPending || form.paused} className={buttonClass('primary', 'w-full py-3 text-base')}>
        {registration.isPending ? 'Creating your account…' : 'Create account'}
      </button>
      <p className="text-center text-sm text-slate-700">
        Already have an account?{' '}
        <Link to={signInPath(next)} className="font-semibold text-blue-700 underline">
          Sign in
        </Link>
      </p>
    </form>
  )
}
