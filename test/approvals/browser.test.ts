/**
 * The approval page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * a reviewer signs in, sees the waiting review with its arguments shown as text, clicks approve,
 * and the call goes through with the record naming the reviewer.
 */
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { createGuard } from '../../src/guard.js'
import { createMemoryPendingStore, startApprovalServer, type ApprovalServer } from '../../src/approvals/index.js'
import { createMemorySink } from '../../src/records/index.js'
import { compileModule } from '../support/compiled.js'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const present = existsSync(CHROMIUM)
if (!present && process.env['CI'] === 'true') throw new Error(`chromium is not installed at ${CHROMIUM}: \`apt-get install -y chromium\` (.ci/run does this)`)
if (!present) console.warn(`skipping the approval page browser test: no chromium at ${CHROMIUM} (apt-get install -y chromium)`)

const POLICY = `
tools:
  delete_file:
    parameters: { type: object, properties: { path: { type: string } }, required: [path] }
rules:
  - { id: review-deletes, tool: delete_file, action: review, message: deleting needs approval }
`

describe.skipIf(!present)('approval page in Chromium', () => {
  let browser: Browser
  let server: ApprovalServer
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('clicking approve on a waiting review lets the call through; arguments are shown as text, never as markup', async () => {
    const pending = createMemoryPendingStore()
    server = await startApprovalServer({ pending, reviewers: { ana: 'ana-token-0123456789' } })
    const { module } = await compileModule(POLICY)
    const sink = createMemorySink()
    const guard = createGuard(module, { pending, sink, approvalChannels: [server.page.channel], approvalTimeoutMs: 30_000 })
    const payload = '/srv/<img src=x onerror="window.__xss=1">'
    const page = await browser.newPage()
    await page.goto(server.loginUrls['ana']!)
    await page.waitForSelector('#status')
    // the review arrives while the page is open: the live view shows it without a reload
    const call = guard('delete_file', { path: payload })
    const box = page.locator('.review')
    await box.waitFor({ timeout: 10_000 })
    expect(await box.locator('h2').textContent()).toBe('delete_file')
    expect(await box.locator('pre.args').textContent()).toContain(JSON.stringify(payload))
    expect(await box.locator('img').count()).toBe(0)
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined()
    await box.locator('button.approve').click()
    const d = await call
    expect(d).toMatchObject({ decision: 'allow', resolvedBy: 'ana', channel: 'page' })
    expect(sink.records[0]).toMatchObject({ decision: 'allow', resolvedBy: 'ana', channel: 'page', approvalId: d.approvalId })
    await page.locator('#status', { hasText: 'Nothing is waiting.' }).waitFor({ timeout: 10_000 })
    await page.close()
  }, 60_000)
})
