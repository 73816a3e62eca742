import { Link } from 'react-router'
import { buttonClass } from '@/components/ui/button'
import { TextField } from '@/components/ui/field'
import { registerPath } from '@/config/paths'
import { useSignIn } from '../api/session'
import { validateSignIn } from '../lib/validation'
import { FormProblem } from './form-problem'
import { useAccountForm } from './use-account-form'

const FIELDS = ['email', 'password'] as const

/**
 * SignInForm signs the shopper in; the page then takes them on to next.
 * email pre-fills the form (coming from "this email already has an
 * account").
 */
export function SignInForm({ next, email = '' }: { next: string; email?: string }) {
  const signIn = useSignIn()
  const form = useAccountForm({ idPrefix: 'signin', fields: FIELDS, initial: { email }, validate: validateSignIn })

  function submit(e: React.FormEvent) {
    if (!form.check(e) || signIn.isPending || form.paused) return
    signIn.mutate({ email: form.values.email.trim(), password: form.values.password }, { onError: form.fail })
  }

  return (
    <form noValidate onSubmit={submit} aria-label="Sign in" className="space-y-5">
      {form.problem && <FormProblem id={form.problemId} next={next} email={form.values.email} {...form.problem} />}
      <TextField {...form.field('email')} type="email" autoComplete="email" inputMode="email" maxLength={254} />
      <TextField {...form.field('password')} type="password" autoComplete="current-password" />
      <button type="submit" disabled={signIn.isPending || form.paused} className={buttonClass('primary', 'w-full py-3 text-base')}>
        {signIn.isPending ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="text-center text-sm text-slate-700">
        New to FlashScale?{' '}
        <Link to={registerPath(next)} className="font-semibold text-blue-700 underline">
          Create an account
        </Link>
      </p>
    </form>
  )
}
