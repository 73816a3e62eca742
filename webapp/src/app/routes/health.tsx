import { PageHeading } from '@/components/ui/status'
import { HealthInfo } from '@/features/system/components/health-info'

export default function HealthRoute() {
  return (
    <div className="space-y-6">
      <title>Health – FlashScale</title>
      <PageHeading>Health</PageHeading>
      <HealthInfo />
    </div>
  )
}
