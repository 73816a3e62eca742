import { QueryFallback } from '@/components/ui/status'
import { cx } from '@/lib/cx'
import { formatDuration } from '@/lib/format'
import { useHealth } from '../api/get-system'
import { ColorBadge } from './color-badge'

export function HealthInfo() {
  const health = useHealth()
  if (!health.data) return <QueryFallback query={health} />
  const h = health.data
  const ok = h.status === 'ok'
  return (
    <div className="space-y-4">
      <p
        className={cx(
          'flex items-center gap-3 rounded-2xl p-5 text-lg font-semibold',
          ok ? 'bg-green-50 text-green-900 ring-1 ring-green-200' : 'bg-red-50 text-red-900 ring-1 ring-red-200',
        )}
      >
        <span aria-hidden="true" className={cx('size-3 rounded-full', ok ? 'bg-green-600' : 'bg-red-600')} />
        {ok ? 'All systems operational' : 'Service unavailable'}
      </p>
      <dl className="grid gap-px overflow-hidden rounded-2xl bg-slate-200 ring-1 ring-slate-200 sm:grid-cols-2">
        {(
          [
            ['Status', <span data-testid="health-status">{h.status}</span>],
            ['Store', h.store],
            ['Colour', <ColorBadge color={h.color} />],
            ['Version', <span className="font-mono">{h.version}</span>],
            ['Uptime', formatDuration(h.uptimeSeconds)],
          ] satisfies [string, React.ReactNode][]
        ).map(([label, value]) => (
          <div key={label} className="bg-white p-5">
            <dt className="text-xs font-semibold tracking-wide text-slate-600 uppercase">{label}</dt>
            <dd className="mt-1 text-lg text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      <p className="text-xs text-slate-600">Refreshes every 5 seconds.</p>
    </div>
  )
}
