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

describe('outside_hours reads the zone clock minute for minute', () => {
  // odd offsets (+5:45, -3:30, a 30-minute daylight shift, +12:45) and a zone whose 1960s offset
  // had seconds (-0:44:30), so the local minute turns in the middle of a UTC minute
  const ZONES = ['Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Africa/Monrovia', 'America/New_York']
  const DAYS = ['1960-06-01', '1971-12-31', '2026-03-08', '2026-04-05', '2026-10-04', '2026-11-01', '2038-01-19']
  const localMinute = (fmt: Intl.DateTimeFormat, t: number): number => {
    let h = 0
    let m = 0
    for (const p of fmt.formatToParts(t)) {
      if (p.type === 'hour') h = Number(p.value)
      if (p.type === 'minute') m = Number(p.value)
    }
    return (h % 24) * 60 + m
  }
  /** Every minute of each day (at 0 and 45 seconds past it): allowed exactly when the zone's clock reads 09:00. */
  const sweep = async (): Promise<number> => {
    let inside = 0
    for (const tz of ZONES) {
      const mod = (await compileModule(policy('09:00', '09:01', tz))).module
      const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' })
      for (const day of DAYS) {
        const start = Date.parse(`${day}T00:00:00Z`)
        for (let minute = 0; minute < 1440; minute++) {
          for (const t of [start + minute * 60_000, start + minute * 60_000 + 45_000]) {
            const expected = localMinute(fmt, t) === 9 * 60 ? 'allow' : 'deny'
            if (expected === 'allow') inside++
            const got = mod.evaluate('t', {}, undefined, { now: t }).decision
            if (got !== expected) throw new Error(`${tz} at ${new Date(t).toISOString()}: ${got}, expected ${expected}`)
          }
        }
      }
    }
    return inside
  }
  it('in zones with odd offsets, on days with daylight-saving changes', async () => {
    // each zone's 09:00 occurs once a UTC day or not at all (a day it is skipped); both seconds count
    expect(await sweep()).toBeGreaterThan(ZONES.length * DAYS.length)
  })
  it('and when the formatted text is not "HH:MM" (another ICU), from the named parts', async () => {
    const proto = Intl.DateTimeFormat.prototype
    const original = Object.getOwnPropertyDescriptor(proto, 'format')!
    // a left-to-right mark in front, as some locales' data adds: the text is no longer five characters
    Object.defineProperty(proto, 'format', {
      configurable: true,
      get(this: Intl.DateTimeFormat) {
        const bound = original.get!.call(this) as (d?: Date | number) => string
        return (d?: Date | number): string => `\u200e${bound(d)}`
      },
    })
    try {
      expect(await sweep()).toBeGreaterThan(ZONES.length * DAYS.length)
    } finally {
      Object.defineProperty(proto, 'format', original)
    }
  })
})
