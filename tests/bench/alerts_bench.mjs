#!/usr/bin/env node
// Benchmark (not a test) of live alerts, started by `scripts/bench --only alerts`
// (scripts/bench.d/alerts.sh starts the Release sidecar and the op-sandbox).
//
//   latency  N overlay clients hold GET /plugins/wm/overlay/events; T real tips run through the
//            sandbox (create, approve with the /_test hook, callback; at most --concurrency at
//            once); for every `tip` event each client receives: arrival time minus the tip's
//            `at` (the completed commit's time, in the event). Reports p50/p99/max over all
//            arrivals and over the slowest client per tip, and checks that every client got
//            every tip exactly once.
//   hold     N overlay clients connect and stay until SIGTERM, while --alerts-per-sec test
//            alerts are sent (the load for the webhook run "with SSE clients"); on SIGTERM
//            prints how many events they received.
//
// Usage: node tests/bench/alerts_bench.mjs latency --wm URL --sandbox https://127.0.0.1:N --password P
//          [--clients 32] [--tips 200] [--concurrency 8] [--timeout 600]
//        node tests/bench/alerts_bench.mjs hold --wm URL --password P [--clients 32] [--alerts-per-sec 10]
// Last line: alerts_bench mode=... key=value ...; exit 1 when a check fails.
import http from 'node:http'
import { performance } from 'node:perf_hooks'

const mode = process.argv[2]
const opts = { clients: 32, tips: 200, concurrency: 8, timeout: 600, alertsPerSec: 10 }
const argv = process.argv.slice(3)
for (let i = 0; i < argv.length; i++) {
  const next = () => argv[++i]
  const a = argv[i]
  if (a === '--wm') opts.wm = next().replace(/\/$/, '')
  else if (a === '--sandbox') opts.sandbox = next().replace(/\/$/, '')
  else if (a === '--password') opts.password = next()
  else if (a === '--clients') opts.clients = Number(next())
  else if (a === '--tips') opts.tips = Number(next())
  else if (a === '--concurrency') opts.concurrency = Number(next())
  else if (a === '--timeout') opts.timeout = Number(next())
  else if (a === '--alerts-per-sec') opts.alertsPerSec = Number(next())
  else usage()
}
function usage() {
  console.error('usage: alerts_bench.mjs latency|hold --wm URL --password P [--sandbox URL] [--clients N] [--tips N] [--concurrency N] [--alerts-per-sec N]')
  process.exit(2)
}
if (!['latency', 'hold'].includes(mode) || !opts.wm || !opts.password) usage()
if (mode === 'latency' && !opts.sandbox?.startsWith('https://')) usage()

const auth = { authorization: 'Basic ' + Buffer.from('admin:' + opts.password).toString('base64') }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const nowMs = () => performance.timeOrigin + performance.now()

async function json(method, url, body, headers = {}) {
  const r = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await r.text()
  if (!r.ok) throw new Error(`${method} ${url}: HTTP ${r.status} ${text}`)
  return text ? JSON.parse(text) : null
}

// RFC 3339 with up to 9 fraction digits -> ms since the epoch (fraction kept).
function rfc3339Ms(s) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(s)
  if (!m) return NaN
  return Date.parse(m[1] + 'Z') + (m[2] ? Number('0.' + m[2]) * 1000 : 0)
}

// One SSE client: a raw GET that parses frames; onEvent(name, data, arrivalMs).
function sseClient(url, onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`SSE: HTTP ${res.statusCode}`)); res.resume(); return }
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        const at = nowMs()
        buf += chunk
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const frame = buf.slice(0, end)
          buf = buf.slice(end + 2)
          let name = 'message'
          let data = ''
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) name = line.slice(7)
            else if (line.startsWith('data: ')) data += line.slice(6)
          }
          if (frame.startsWith('retry:')) resolve(req)
          else if (data) onEvent(name, JSON.parse(data), at)
        }
      })
    })
    req.on('error', reject)
  })
}

function pct(sorted, p) {
  if (!sorted.length) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

async function openClients(events, onEvent) {
  const clients = []
  for (let i = 0; i < opts.clients; i++) clients.push(await sseClient(events, (n, d, at) => onEvent(i, n, d, at)))
  return clients
}

async function latency() {
  const { urls } = await json('GET', `${opts.wm}/plugins/wm/api/overlays`, undefined, auth)
  const arrivals = new Map() // tip id -> [ms per client]
  let duplicates = 0
  const seen = Array.from({ length: opts.clients }, () => new Set())
  const clients = await openClients(urls.events, (i, name, d, at) => {
    if (name !== 'tip' || d.test) return
    if (seen[i].has(d.id)) { duplicates++; return }
    seen[i].add(d.id)
    if (!arrivals.has(d.id)) arrivals.set(d.id, [])
    arrivals.get(d.id).push(at - rfc3339Ms(d.at))
  })
  const sbHttp = 'http://' + opts.sandbox.slice('https://'.length)
  const ids = []
  let next = 0
  const t0 = nowMs()
  async function flow(i) {
    const c = await json('POST', `${opts.wm}/plugins/wm/tips`, {
      senderWalletAddress: `${opts.sandbox}/alice`, amount: { value: '100', assetCode: 'EUR', assetScale: 2 },
      displayName: `viewer ${i}`, message: `alert bench ${i}`
    })
    ids.push(c.id)
    const iid = /\/interact\/([^/?]+)\//.exec(c.consentUrl)?.[1]
    const d = await json('POST', `${sbHttp}/_test/interactions/${encodeURIComponent(iid)}/decision`, { decision: 'accept' })
    await (await fetch(d.redirect)).arrayBuffer()
  }
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (next < opts.tips) await flow(next++)
  }))
  const deadline = nowMs() + opts.timeout * 1000
  while (nowMs() < deadline && !ids.every((id) => arrivals.get(id)?.length === opts.clients)) await sleep(50)
  const wall = (nowMs() - t0) / 1000
  for (const c of clients) c.destroy()
  const all = []
  const slowest = []
  let complete = 0
  for (const id of ids) {
    const a = arrivals.get(id) || []
    all.push(...a)
    if (a.length === opts.clients) { complete++; slowest.push(Math.max(...a)) }
  }
  all.sort((x, y) => x - y)
  slowest.sort((x, y) => x - y)
  const f = (x) => x.toFixed(1)
  console.log(`  ${opts.tips} tips, ${opts.clients} overlay clients, ${complete} tips reached every client, ${duplicates} duplicates, ${f(wall)} s`)
  console.log(`  commit -> SSE arrival, all ${all.length} arrivals: p50 ${f(pct(all, 50))} ms, p99 ${f(pct(all, 99))} ms, max ${f(all[all.length - 1])} ms`)
  console.log(`  commit -> last of ${opts.clients} clients, per tip:  p50 ${f(pct(slowest, 50))} ms, p99 ${f(pct(slowest, 99))} ms (target p99 <= 100 ms: ${pct(slowest, 99) <= 100 ? 'met' : 'MISSED'})`)
  const ok = complete === opts.tips && duplicates === 0
  console.log(`alerts_bench mode=latency tips=${opts.tips} clients=${opts.clients} complete=${complete} duplicates=${duplicates} p50_ms=${f(pct(all, 50))} p99_ms=${f(pct(all, 99))} last_p50_ms=${f(pct(slowest, 50))} last_p99_ms=${f(pct(slowest, 99))} ok=${ok ? 1 : 0}`)
  process.exit(ok ? 0 : 1)
}

async function hold() {
  const { urls } = await json('GET', `${opts.wm}/plugins/wm/api/overlays`, undefined, auth)
  let received = 0
  let sent = 0
  const clients = await openClients(urls.events, () => { received++ })
  console.log(`alerts_bench holding ${clients.length}`)
  const timer = opts.alertsPerSec > 0
    ? setInterval(() => { sent++; json('POST', `${opts.wm}/plugins/wm/api/alerts/test`, undefined, auth).catch(() => {}) }, 1000 / opts.alertsPerSec)
    : null
  process.on('SIGTERM', () => {
    if (timer) clearInterval(timer)
    for (const c of clients) c.destroy()
    console.log(`alerts_bench mode=hold clients=${clients.length} alerts_sent=${sent} events_received=${received}`)
    process.exit(0)
  })
}

if (mode === 'latency') await latency()
else await hold()
