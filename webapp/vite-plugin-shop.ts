// The build's part of the contract with the server (service/web): the
// client routes in dist/routes.json, and the size of what a first page load
// must fetch before the shop can render, printed on every build and held
// to a budget.
import { gzipSync } from 'node:zlib'
import type { OutputBundle, OutputChunk } from 'rolldown'
import type { Plugin } from 'vite'
import { paths } from './src/config/paths.ts'

/** Gzipped bytes the critical path may take (index.html, entry JS and its static imports, their CSS). */
export const CRITICAL_PATH_BUDGET = 150 * 1024

export function shopBuild(): Plugin {
  return {
    name: 'flashscale-shop',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'routes.json', source: JSON.stringify(Object.values(paths)) + '\n' })
    },
    writeBundle(_, bundle) {
      const files = criticalPath(bundle)
      let raw = 0
      let gz = 0
      const rows = files.map(([name, source]) => {
        const b = typeof source === 'string' ? Buffer.from(source) : Buffer.from(source)
        const z = gzipSync(b, { level: 9 }).length
        raw += b.length
        gz += z
        return `  ${name.padEnd(40)} ${kB(b.length).padStart(9)} ${kB(z).padStart(9)} gzip`
      })
      this.environment.logger.info(
        [`critical path (first page load before the shop renders):`, ...rows, `  ${'total'.padEnd(40)} ${kB(raw).padStart(9)} ${kB(gz).padStart(9)} gzip (budget ${kB(CRITICAL_PATH_BUDGET)})`].join('\n'),
      )
      if (gz > CRITICAL_PATH_BUDGET) this.error(`critical path is ${kB(gz)} gzipped, over the budget of ${kB(CRITICAL_PATH_BUDGET)}`)
    },
  }
}

const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`

/** criticalPath lists index.html, the entry chunk, every chunk it imports statically (recursively) and their CSS. */
function criticalPath(bundle: OutputBundle): [string, string | Uint8Array][] {
  const out: [string, string | Uint8Array][] = []
  const seen = new Set<string>()
  const index = bundle['index.html']
  if (index?.type === 'asset') out.push(['index.html', index.source])
  const visit = (name: string) => {
    const chunk = bundle[name]
    if (seen.has(name) || chunk?.type !== 'chunk') return
    seen.add(name)
    out.push([name, chunk.code])
    for (const css of (chunk as OutputChunk & { viteMetadata?: { importedCss: Set<string> } }).viteMetadata?.importedCss ?? []) {
      const asset = bundle[css]
      if (!seen.has(css) && asset?.type === 'asset') {
        seen.add(css)
        out.push([css, asset.source])
      }
    }
    chunk.imports.forEach(visit)
  }
  Object.values(bundle).forEach((c) => c.type === 'chunk' && c.isEntry && visit(c.fileName))
  return out
}
