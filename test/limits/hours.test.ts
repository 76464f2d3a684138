/** outside_hours is evaluated in the zone's local time, daylight saving included. */
import { describe, expect, it } from 'vitest'
import { compileModule } from '../support/compiled.js'

const policy = (from: string, to: string, tz: string): string => `tools:\n  t: {}\nrules:\n  - id: hours\n    tool: t\n    action: deny\n    outside_hours: { from: "${from}", to: "${to}", tz: ${tz} }\n`
const at = async (src: string, iso: string): Promise<string> => (await compileModule(src)).module.evaluate('t', {}, undefined, { now: Date.parse(iso) }).decision

describe('outside_hours across daylight-saving changes', () => {
  it('America/New_York: the same UTC instant is outside before the March change and inside after', async () => {
    const p = policy('09:00', '17:00', 'America/New_York')
    expect(await at(p, '2026-03-07T13:30:00Z')).toBe('deny') // 08:30 EST
    expect(await at(p, '2026-03-09T13:30:00Z')).toBe('allow') // 09:30 EDT
    expect(await at(p, '2026-11-02T13:30:00Z')).toBe('deny') // 08:30 EST again after November
    expect(await at(p, '2026-10-30T13:30:00Z')).toBe('allow') // 09:30 EDT
  })
  it('America/New_York on the night of the change: 02:00–03:00 does not exist', async () => {
    const p = policy('03:00', '04:00', 'America/New_York')
    expect(await at(p, '2026-03-08T06:59:00Z')).toBe('deny') // 01:59 EST
    expect(await at(p, '2026-03-08T07:00:00Z')).toBe('allow') // 03:00 EDT, one minute later
  })
  it('Europe/Berlin: CET to CEST at the end of March, back in October', async () => {
    const p = policy('09:00', '17:00', 'Europe/Berlin')
    expect(await at(p, '2026-03-28T07:30:00Z')).toBe('deny') // 08:30 CET
    expect(await at(p, '2026-03-30T07:30:00Z')).toBe('allow') // 09:30 CEST
    expect(await at(p, '2026-10-24T15:30:00Z')).toBe('deny') // 17:30 CEST
    expect(await at(p, '2026-10-26T15:30:00Z')).toBe('allow') // 16:30 CET
  })
  it('a window that wraps midnight (Australia/Sydney, southern-hemisphere DST)', async () => {
    const p = policy('22:00', '06:00', 'Australia/Sydney')
    expect(await at(p, '2026-01-15T12:00:00Z')).toBe('allow') // 23:00 AEDT
    expect(await at(p, '2026-01-15T20:00:00Z')).toBe('deny') // 07:00 AEDT, after the window
    expect(await at(p, '2026-01-15T11:30:00Z')).toBe('allow') // 22:30 AEDT (UTC+11)
    expect(await at(p, '2026-07-15T11:30:00Z')).toBe('deny') // 21:30 AEST (UTC+10): same instant, an hour earlier locally
  })
})
