import { cx } from '@/lib/cx'

export type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger'

const base =
  'inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2.5 text-sm font-semibold transition-colors disabled:cursor-not-allowed'

const variants: Record<ButtonVariant, string> = {
  primary: 'bg-blue-700 text-white hover:bg-blue-800 disabled:bg-slate-300 disabled:text-slate-600',
  secondary:
    'border border-slate-300 bg-white text-slate-900 hover:bg-slate-50 disabled:text-slate-500 disabled:hover:bg-white',
  ghost: 'text-blue-700 hover:bg-blue-50 disabled:text-slate-500',
  danger: 'text-red-700 hover:bg-red-50',
}

/** buttonClass styles a <button> or a link that looks like one. */
export function buttonClass(variant: ButtonVariant = 'primary', extra?: string): string {
  return cx(base, variants[variant], extra)
}
