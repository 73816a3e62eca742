import { cx } from '@/lib/cx'
import { durationParts, spokenDuration } from '@/lib/format'

/**
 * Countdown shows the time left in labelled boxes (days, hours, minutes,
 * seconds) and tells a screen reader the same in words. A timer is not
 * announced on every tick: the label is read when the shopper reaches it.
 */
export function Countdown({ to, now, label, className }: { to: number; now: number; label: string; className?: string }) {
  const left = to - now
  const { days, hours, minutes, seconds } = durationParts(left)
  const boxes: [number, string][] = [
    ...(days > 0 ? ([[days, 'days']] as [number, string][]) : []),
    [hours, 'hrs'],
    [minutes, 'min'],
    [seconds, 'sec'],
  ]
  return (
    <span role="timer" aria-label={`${label} ${spokenDuration(left)}`} className={cx('flex items-start gap-1.5', className)}>
      {boxes.map(([n, unit]) => (
        <span key={unit} aria-hidden="true" className="flex min-w-12 flex-col items-center rounded-lg bg-white/15 px-1.5 py-1 sm:min-w-16">
          <span className="font-mono text-2xl leading-tight font-bold tabular-nums sm:text-4xl">{String(n).padStart(2, '0')}</span>
          <span className="text-[0.7rem] font-semibold tracking-wide text-blue-100 uppercase">{unit}</span>
        </span>
      ))}
    </span>
  )
}
