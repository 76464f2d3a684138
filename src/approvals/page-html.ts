/**
 * The approval page: one HTML document whose script lists pending reviews and answers them. Every
 * value from a call (tool, arguments, reason) reaches the DOM through `textContent`, never as
 * markup, and the Content-Security-Policy allows only this page's own nonce'd script and style.
 */

export function pageHtml(nonce: string, csrf: string, reviewer: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="vetoc-csrf" content="${attr(csrf)}">
<meta name="vetoc-reviewer" content="${attr(reviewer)}">
<title>vetoc approvals</title>
<style nonce="${attr(nonce)}">
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
h1 { font-size: 1.3rem; }
.review { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin: 1rem 0; max-width: 60rem; }
.meta { color: #555; font-size: 0.9rem; }
pre, textarea { background: #f6f6f6; padding: 0.5rem; white-space: pre-wrap; word-break: break-all; width: 100%; box-sizing: border-box; font: 13px ui-monospace, monospace; }
button { margin-right: 0.5rem; padding: 0.3rem 0.9rem; }
#status { color: #555; }
</style>
</head>
<body>
<h1>Pending reviews</h1>
<p id="status">Loading…</p>
<div id="list"></div>
<script nonce="${attr(nonce)}">
const csrf = document.querySelector('meta[name="vetoc-csrf"]').content
const list = document.getElementById('list')
const status = document.getElementById('status')
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e }
async function answer(p, approved, args) {
  const body = { approvalId: p.approvalId, approved, argsDigest: p.binding.argsDigest }
  if (args !== undefined) body.args = args
  const r = await fetch('api/answer', { method: 'POST', headers: { 'content-type': 'application/json', 'x-vetoc-csrf': csrf }, body: JSON.stringify(body) })
  const out = await r.json().catch(() => ({}))
  status.textContent = r.ok ? (approved ? 'Approved ' : 'Denied ') + p.approvalId : 'Refused: ' + (out.error || r.status)
  await refresh()
}
function render(items) {
  list.replaceChildren()
  status.textContent = items.length === 0 ? 'Nothing is waiting.' : items.length + ' waiting'
  for (const p of items) {
    const box = el('div', undefined, 'review')
    box.dataset.approvalId = p.approvalId
    box.append(el('h2', p.tool))
    box.append(el('div', (p.rule ? 'rule ' + p.rule + ': ' : '') + (p.reason || ''), 'reason'))
    const left = Math.max(0, Math.round((p.expiresAt - Date.now()) / 1000))
    box.append(el('div', 'policy ' + p.policy + ' · id ' + p.approvalId + ' · ' + left + ' s left' + (p.binding.session ? ' · session ' + p.binding.session : ''), 'meta'))
    const args = el('pre', JSON.stringify(p.args, null, 2), 'args')
    box.append(args)
    const approve = el('button', 'Approve', 'approve')
    const deny = el('button', 'Deny', 'deny')
    const edit = el('button', 'Edit', 'edit')
    approve.onclick = () => answer(p, true)
    deny.onclick = () => answer(p, false)
    edit.onclick = () => {
      const area = el('textarea', JSON.stringify(p.args, null, 2), 'edit-args')
      area.rows = 8
      const send = el('button', 'Approve edited call', 'approve-edited')
      send.onclick = () => {
        let value
        try { value = JSON.parse(area.value) } catch (e) { status.textContent = 'Not JSON: ' + e.message; return }
        answer(p, true, value)
      }
      args.replaceWith(area)
      edit.replaceWith(send)
    }
    box.append(approve, deny, edit)
    list.append(box)
  }
}
async function refresh() {
  const r = await fetch('api/pending', { headers: { 'x-vetoc-csrf': csrf } })
  if (!r.ok) { status.textContent = 'Not signed in: open the link printed by vetoc serve.'; return }
  render(await r.json())
}
const events = new EventSource('api/events')
events.onmessage = () => refresh()
refresh()
</script>
</body>
</html>
`
}

function attr(s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
