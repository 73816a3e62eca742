import { paths } from '@/config/paths'

/**
 * safeNext is where to go after signing in: the ?next= path when it is a
 * page of this shop, home otherwise. Anything else (another site, a
 * protocol-relative //host, a backslash or control character the URL
 * parser would drop) would make the sign-in page an open redirect.
 */
export function safeNext(raw: string | null, origin: string = window.location.origin): string {
  // eslint-disable-next-line no-control-regex
  if (!raw || !raw.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(raw)) return paths.home
  let url: URL
  try {
    url = new URL(raw, origin)
  } catch {
    return paths.home
  }
  if (url.origin !== origin) return paths.home
  // Coming back to the sign-in page after signing in would loop.
  if (url.pathname === paths.signIn || url.pathname === paths.register) return paths.home
  return url.pathname + url.search + url.hash
}
