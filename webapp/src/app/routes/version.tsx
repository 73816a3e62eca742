import { PageHeading } from '@/components/ui/status'
import { VersionInfo } from '@/features/system/components/version-info'

export default function VersionRoute() {
  return (
    <div className="space-y-6">
      <title>Version – FlashScale</title>
      <PageHeading>Version</PageHeading>
      <p className="text-slate-700">The build that served this request, read live from the server.</p>
      <VersionInfo />
    </div>
  )
}
