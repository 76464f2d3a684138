/**
 * The emitted address matcher (pure arithmetic over URL-parsed hosts, compiler/emit/net.ts) held to
 * `node:net`: `ipInRange` agrees with a BlockList of the same CIDRs, and `isPrivateAddress` with a
 * BlockList of the private ranges, on generated IPv4, IPv6 and IPv4-mapped addresses, in every
 * spelling the URL parser normalises (decimal, hex, octal, short forms, bracketed).
 */
import fc from 'fast-check'
import { BlockList, isIP } from 'node:net'
import { describe, expect, it } from 'vitest'
import { PRIVATE_RANGES } from '../../compiler/net.js'
import { compileModule } from '../support/compiled.js'

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList()
  for (const c of cidrs) {
    const [a, p] = c.split('/') as [string, string]
    list.addSubnet(a, Number(p), isIP(a) === 4 ? 'ipv4' : 'ipv6')
  }
  return list
}

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
/** ranges near the interesting ones, so matches are common */
const v4Near = fc.oneof(v4, fc.tuple(fc.constantFrom(0, 10, 100, 127, 169, 172, 192, 198, 224, 255), fc.constantFrom(0, 16, 31, 32, 64, 127, 168, 254, 255), fc.nat(255), fc.nat(255)))
const dotted = (n: readonly number[]): string => n.join('.')
/** every spelling WHATWG accepts for one IPv4 address */
const spelled = fc.tuple(v4Near, fc.constantFrom('dotted', 'decimal', 'hex', 'octal', 'short', 'mapped', 'mapped-hex')).map(([n, how]) => {
  const value = ((n[0]! << 24) >>> 0) + (n[1]! << 16) + (n[2]! << 8) + n[3]!
  switch (how) {
    case 'decimal': return { host: String(value), address: dotted(n), type: 'ipv4' as const }
    case 'hex': return { host: `0x${value.toString(16)}`, address: dotted(n), type: 'ipv4' as const }
    case 'octal': return { host: n.map(x => `0${x.toString(8)}`).join('.'), address: dotted(n), type: 'ipv4' as const }
    case 'short': return { host: `${n[0]}.${(n[1]! << 16) + (n[2]! << 8) + n[3]!}`, address: dotted(n), type: 'ipv4' as const }
    case 'mapped': return { host: `[::ffff:${dotted(n)}]`, address: `::ffff:${dotted(n)}`, type: 'ipv6' as const }
    case 'mapped-hex': return { host: `::ffff:${((n[0]! << 8) | n[1]!).toString(16)}:${((n[2]! << 8) | n[3]!).toString(16)}`, address: `::ffff:${dotted(n)}`, type: 'ipv6' as const }
    default: return { host: dotted(n), address: dotted(n), type: 'ipv4' as const }
  }
})
const v6 = fc.oneof(fc.ipV6(), fc.constantFrom('::', '::1', 'fe80::1', 'fc00::', 'fdff:ffff::1', 'ff02::1', '64:ff9b::7f00:1', '2001:db8::1', '2002:a9fe:a9fe::', '::a00:1', 'fec0::1', '100::1'))
  .map(a => ({ host: `[${a}]`, address: a, type: 'ipv6' as const }))
const addressArb = fc.oneof(spelled, v6)

const cidrArb = fc.oneof(
  fc.tuple(v4Near, fc.nat(32)).map(([n, p]) => `${dotted(n)}/${p}`),
  fc.tuple(fc.ipV6(), fc.nat(128)).map(([a, p]) => `${a}/${p}`),
  fc.tuple(fc.constantFrom('::', '::ffff:0:0', 'fe80::', '2001:db8::', '::ffff:7f00:0'), fc.nat(128)).map(([a, p]) => `${a}/${p}`),
)

describe('the emitted address matcher agrees with node:net BlockList', () => {
  it('ipInRange, on generated addresses and CIDR lists', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cidrArb, { minLength: 1, maxLength: 4 }), fc.array(addressArb, { minLength: 20, maxLength: 20 }), async (cidrs, addresses) => {
        const { module, result } = await compileModule(`tools: { t: null }\nrules:\n  - { id: in, tool: t, when: "ipInRange(args.h, ${JSON.stringify(cidrs).replaceAll('"', "'")})", action: deny }\n`)
        expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([])
        const list = blockList(cidrs)
        for (const a of addresses) {
          const expected = list.check(a.address, a.type)
          expect([a.host, cidrs, module.evaluate('t', { h: a.host }).decision]).toEqual([a.host, cidrs, expected ? 'deny' : 'allow'])
        }
      }),
      { seed: 20261202, numRuns: 40 },
    )
  })

  it('isPrivateAddress, on generated addresses', async () => {
    const { module } = await compileModule(`tools: { t: null }\nrules:\n  - { id: p, tool: t, when: "isPrivateAddress(args.h)", action: deny }\n`)
    const list = blockList(PRIVATE_RANGES)
    // the IPv6 forms that embed an IPv4 address: tested by that address too (SPEC 4.4)
    const embedded = (a: { address: string; type: 'ipv4' | 'ipv6' }): boolean => {
      if (a.type !== 'ipv6') return false
      const u = new URL(`http://[${a.address}]/`).hostname.slice(1, -1)
      const g = expand(u)
      const v4of = (hi: number, lo: number): string => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
      if (g.slice(0, 6).every(x => x === 0)) return list.check(v4of(g[6]!, g[7]!), 'ipv4')
      if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every(x => x === 0)) return list.check(v4of(g[6]!, g[7]!), 'ipv4')
      if (g[0] === 0x2002) return list.check(v4of(g[1]!, g[2]!), 'ipv4')
      return false
    }
    fc.assert(
      fc.property(addressArb, a => {
        const expected = list.check(a.address, a.type) || embedded(a)
        expect([a.host, module.evaluate('t', { h: a.host }).decision]).toEqual([a.host, expected ? 'deny' : 'allow'])
      }),
      { seed: 20261203, numRuns: 3000 },
    )
  })
})

function expand(v6: string): number[] {
  const [head, tail] = v6.includes('::') ? v6.split('::') as [string, string] : [v6, undefined]
  const h = head === '' ? [] : head.split(':').map(x => parseInt(x, 16))
  const t = tail === undefined || tail === '' ? [] : tail.split(':').map(x => parseInt(x, 16))
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t]
}
