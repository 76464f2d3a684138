/**
 * Addresses at build time: which ranges count as private (SPEC 4.4 `isPrivateAddress`), and the
 * check every CIDR in a policy passes before it reaches the emitted module. Run-time matching is
 * pure arithmetic in the emitted module (compiler/emit/net.ts); `node:net` is the yardstick here and
 * in the tests (test/property/addresses.test.ts holds the emitted matcher to its BlockList).
 */
import { isIP } from 'node:net'
import type { UrlPartName } from './ir.js'

export const URL_PARTS: readonly UrlPartName[] = ['protocol', 'hostname', 'port', 'pathname', 'search']

/**
 * Private, loopback, link-local, shared (CGNAT), unspecified, multicast and reserved ranges: every
 * address a server-side fetch must not reach on a user's say-so. IPv4 ranges also cover their
 * IPv4-mapped IPv6 forms; IPv6 addresses that embed an IPv4 address (::a.b.c.d, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) are tested by that address as well.
 */
export const PRIVATE_RANGES: readonly string[] = [
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches the local host on most systems
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // shared address space (CGNAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata (169.254.169.254)
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
  '::/128', // unspecified
  '::1/128', // loopback
  '64:ff9b:1::/48', // local-use NAT64
  '100::/64', // discard-only
  'fc00::/7', // unique local (ULA)
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated, still routed by some stacks)
  'ff00::/8', // multicast
]

/** Why `text` is not a CIDR (`address/prefix`), or null when it is one. */
export function cidrProblem(text: string): string | null {
  const slash = text.indexOf('/')
  if (slash < 0) return 'a CIDR is an address, a `/` and a prefix length, such as `10.0.0.0/8` or `fd00::/8`'
  const address = text.slice(0, slash)
  const prefix = text.slice(slash + 1)
  const version = address.includes('%') ? 0 : isIP(address)
  if (version === 0) return `\`${address}\` is not an IPv4 or IPv6 address`
  const max = version === 4 ? 32 : 128
  if (!/^(0|[1-9]\d{0,2})$/.test(prefix) || Number(prefix) > max) return `the prefix length must be a whole number from 0 to ${max}`
  return null
}
