import { useId } from 'react'

/** QuantitySelect offers 1..max; a select needs no parsing and works on every phone. */
export function QuantitySelect({ value, max, onChange, label = 'Quantity', disabled, hideLabel }: {
  value: number
  max: number
  onChange: (q: number) => void
  label?: string
  disabled?: boolean
  hideLabel?: boolean
}) {
  const id = useId()
  const top = Math.max(1, max, value)
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className={hideLabel ? 'sr-only' : 'text-sm font-medium text-slate-700'}>
        {label}
      </label>
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Number(e.target.value))}
        className="rounded-lg border border-slate-300 bg-white py-2 pr-8 pl-3 text-sm disabled:bg-slate-100"
      >
        {Array.from({ length: top }, (_, i) => i + 1).map((n) => (
          <option key={n} value={n} disabled={n > max}>
            {n}
          </option>
        ))}
      </select>
    </div>
  )
}
