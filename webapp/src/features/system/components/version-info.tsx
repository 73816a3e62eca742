import { QueryFallback } from '@/components/ui/status'
import { formatDateTime } from '@/lib/format'
import { useBuildInfo } from '../api/get-system'
import { ColorBadge } from './color-badge'

export function VersionInfo() {
  const info = useBuildInfo()
  if (!info.data) return <QueryFallback query={info} />
  const b = info.data
  return (
    <dl className="grid gap-px overflow-hidden rounded-2xl bg-slate-200 ring-1 ring-slate-200 sm:grid-cols-2">
      <Item label="Version">
        <span className="font-mono" data-testid="version">
          {b.version || 'unknown'}
        </span>
      </Item>
      <Item label="Colour">
        <ColorBadge color={b.color} />
      </Item>
      <Item label="Build time">{b.buildTime ? formatDateTime(b.buildTime) : 'unknown'}</Item>
      <Item label="Commit">
        <span className="font-mono">{b.commit || 'unknown'}</span>
      </Item>
    </dl>
  )
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="bg-white p-5">
      <dt className="text-xs font-semibold tracking-wide text-slate-600 uppercase">{label}</dt>
      <dd className="mt-1 text-lg text-slate-900">{children}</dd>
    </div>
  )
}
