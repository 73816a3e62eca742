import type { InputHTMLAttributes, SelectHTMLAttributes } from 'react'
import { cx } from '@/lib/cx'

interface Common {
  id: string
  label: string
  error?: string
  hint?: string
}

const control = (error?: string) =>
  cx(
    'mt-1 block w-full rounded-lg border bg-white px-3 py-2.5 text-base text-slate-900 shadow-sm placeholder:text-slate-500',
    error ? 'border-red-600' : 'border-slate-300',
  )

function Messages({ id, error, hint }: { id: string; error?: string; hint?: string }) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="mt-1 text-sm font-medium text-red-700">
          {error}
        </p>
      )}
    </>
  )
}

function describedBy({ id, error, hint }: Common) {
  return [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined
}

export function TextField(props: Common & InputHTMLAttributes<HTMLInputElement>) {
  const { id, label, error, hint, ...rest } = props
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(props)}
        className={control(error)}
        {...rest}
      />
      <Messages id={id} error={error} hint={hint} />
    </div>
  )
}

export function SelectField(props: Common & SelectHTMLAttributes<HTMLSelectElement> & { options: readonly string[]; placeholder: string }) {
  const { id, label, error, hint, options, placeholder, ...rest } = props
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(props)}
        className={control(error)}
        {...rest}
      >
        <option value="">{placeholder}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <Messages id={id} error={error} hint={hint} />
    </div>
  )
}
