#!/usr/bin/env node
// Benchmark (not a test): N concurrent tip flows through the REAL owncast-wm binary against the
// Node Open Payments sandbox (tests/op-sandbox/server.mjs). Started by `scripts/bench --only tips`,
// which starts both processes and passes their pids. Every flow does what a viewer's widget and
// wallet do:
//   POST /plugins/wm/tips (incoming payment, quote, interactive grant: 201 awaiting_consent)
//   -> approve through the sandbox hook POST /_test/interactions/<id>/decision (the wallet's
//      consent page without a browser) -> GET the finish redirect = our callback
//   -> poll GET /plugins/wm/tips/<id> every 1.5 s (the widget's interval) until the status is final.
// All N flows are started at once (N promises); requests to the sidecar share a keep-alive pool
// of --connections sockets (the sidecar runs with --http-threads >= that).
//
// Checks: every flow final (count per status), no double charge (the sender's balance fell by
// exactly the sum of the completed tips' quoted debit amounts, the streamer's rose by exactly the
// sum of their receive amounts, at most one non-failed outgoing payment per tip), zero sandbox
// failures. Measures: flows/s, the sidecar's CPU time (utime+stime from /proc/<pid>/stat) per tip,
// the sandbox's CPU per flow in the same run, and a baseline: the sidecar's CPU per GET /healthz
// over the same connection pool (flows x --healthz-per-flow requests, at least 10,000).
//
// Usage: node tests/bench/tip_bench.mjs --wm http://127.0.0.1:P --wm-pid PID --sandbox https://127.0.0.1:N
//          --sandbox-pid PID [--flows 500] [--connections 64] [--healthz-per-flow 20] [--timeout 900]
// Prints a report, then one line:
//   tip_bench flows=N completed=C ... flows_per_sec=R cpu_ms_per_tip=X ... ok=1|0
// Exit status 1 when a check fails.
import http from 'node:http'
import crypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'

const opts = { flows: 500, connections: 64, healthzPerFlow: 20, timeout: 900, amount: '100', sender: 'alice' }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const next = () => {
    if (i + 1 >= argv.length) usage()
    return argv[++i]
  }
  if (a === '--wm') opts.wm = next().replace(/\/$/, '')
  else if (a === '--wm-pid') opts.wmPid = Number(next())
  else if (a === '--sandbox') opts.sandbox = next().replace(/\/$/, '')
  else if (a === '--sandbox-pid') opts.sandboxPid = Number(next())
  else if (a === '--flows') opts.flows = Number(next())
  else if (a === '--connections') opts.connections = Number(next())
  else if (a === '--healthz-per-flow') opts.healthzPerFlow = Number(next())
  else if (a === '--timeout') opts.timeout = Number(next())
  else usage()
}
function usage() {
  console.error('usage: tip_bench.mjs --wm http://127.0.0.1:P --wm-pid PID --sandbox https://127.0.0.1:N --sandbox-pid PID [--flows N] [--connections N] [--healthz-per-flow N] [--timeout S]')
  process.exit(2)
}
if (!opts.wm || !opts.wmPid || !opts.sandbox?.startsWith('https://') || !opts.sandboxPid || !(opts.flows > 0)) usage()
const sbHttp = 'http://' + opts.sandbox.slice('https://'.length)
const FINAL = new Set(['completed', 'denied', 'failed', 'expired'])
const POLL_MS = 1500

// ---------------------------------------------------------------- process CPU time ---
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // f[0] = field 3 (state)
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK // utime + stime
}
function peakRssKb(pid) {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

// ---------------------------------------------------------------- HTTP to the sidecar ---
const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections })
let wmRequests = 0
function wm(method, url, body, headers = {}) {
  wmRequests++
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(url, {
      method,
      agent,
      headers: { accept: 'application/json', ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers }
    }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.setTimeout(120000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (data) req.write(data)
    req.end()
  })
}
async function wmJson(method, url, body, headers) {
  const r = await wm(method, url, body, headers)
  let j = null
  try { j = JSON.parse(r.text) } catch { /* HTML or empty */ }
  return { status: r.status, json: j, text: r.text }
}

async function hook(method, path, body) {
  const r = await fetch(sbHttp + path, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {})
  })
  const text = await r.text()
  if (Math.floor(r.status / 100) !== 2) throw new Error(`hook ${method} ${path}: HTTP ${r.status} ${text}`)
  return text ? JSON.parse(text) : null
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- one flow ---
const runId = crypto.randomBytes(6).toString('hex')
const deadline = () => t0 + opts.timeout * 1000
let t0 = 0
const errors = new Map() // message -> count
function noteError(m) { errors.set(m, (errors.get(m) || 0) + 1) }

async function flow(i) {
  const res = { status: 'error', debit: 0n, receive: 0n, amount: 0n, id: '', createMs: 0, totalMs: 0 }
  const start = performance.now()
  try {
    // 1. Create (retried on transport errors only: the Idempotency-Key makes that safe).
    let c
    for (let attempt = 0; ; attempt++) {
      try {
        c = await wmJson('POST', `${opts.wm}/plugins/wm/tips`, {
          senderWalletAddress: `${opts.sandbox}/${opts.sender}`,
          amount: { value: opts.amount, assetCode: 'EUR', assetScale: 2 },
          message: `bench tip ${i}`,
          displayName: `viewer ${i}`
        }, { 'idempotency-key': `bench-${runId}-${i}` })
        break
      } catch (e) {
        if (attempt >= 2) throw e
        await sleep(200)
      }
    }
    res.createMs = performance.now() - start
    if (c.status !== 201 || !c.json?.id) {
      res.status = `create_http_${c.status}${c.json?.error?.code ? '_' + c.json.error.code : ''}`
      return res
    }
    res.id = c.json.id
    res.debit = BigInt(c.json.quote.debitAmount.value)
    res.receive = BigInt(c.json.quote.receiveAmount.value)
    // 2. Approve in the "wallet".
    const iid = /\/interact\/([^/?]+)\//.exec(c.json.consentUrl)?.[1]
    if (!iid) throw new Error('consentUrl without an interaction id')
    const d = await hook('POST', `/_test/interactions/${encodeURIComponent(iid)}/decision`, { decision: 'accept' })
    // 3. The wallet redirects the browser to our callback.
    const cb = await wm('GET', d.redirect, undefined, { accept: 'text/html' })
    if (cb.status !== 200) noteError(`callback HTTP ${cb.status}`)
    // 4. Poll like the widget until final.
    for (;;) {
      const s = await wmJson('GET', `${opts.wm}/plugins/wm/tips/${encodeURIComponent(res.id)}`)
      if (s.status === 200 && FINAL.has(s.json?.status)) {
        res.status = s.json.status
        if (s.json.amount?.value !== undefined) res.amount = BigInt(s.json.amount.value)
        if (s.json.error?.code) noteError(`${s.json.status}: ${s.json.error.code}`)
        break
      }
      if (performance.now() > deadline()) { res.status = 'timeout'; break }
      await sleep(POLL_MS)
    }
  } catch (e) {
    noteError(String(e.message || e))
  } finally {
    res.totalMs = performance.now() - start
  }
  return res
}

// ---------------------------------------------------------------- run ---
function pct(sorted, p) {
  if (!sorted.length) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

await hook('POST', '/_test/reset', { keepKeys: true })
await hook('POST', '/_test/balance', { wallet: opts.sender, balance: String(BigInt(opts.flows) * 100000n) })
const before = await hook('GET', '/_test/state')
// Warm-up probe: the sidecar answers and tips are configured.
const probe = await wmJson('GET', `${opts.wm}/healthz`)
if (probe.status !== 200) throw new Error(`sidecar /healthz: HTTP ${probe.status}`)
wmRequests = 0

const wmCpu0 = cpuMs(opts.wmPid)
const sbCpu0 = cpuMs(opts.sandboxPid)
t0 = performance.now()
const results = await Promise.all(Array.from({ length: opts.flows }, (_, i) => flow(i)))
const wall = (performance.now() - t0) / 1000
const wmCpu = cpuMs(opts.wmPid) - wmCpu0
const sbCpu = cpuMs(opts.sandboxPid) - sbCpu0
const flowRequests = wmRequests
const after = await hook('GET', '/_test/state')
const failures = await hook('GET', '/_test/failures')

// Baseline in the same run: the sidecar's CPU per GET /healthz over the same pool and concurrency.
const nHealthz = Math.max(opts.flows * opts.healthzPerFlow, 10000) // enough CPU ticks to measure
const hCpu0 = cpuMs(opts.wmPid)
const h0 = performance.now()
{
  let next = 0
  const worker = async () => {
    while (next < nHealthz) {
      next++
      const r = await wm('GET', `${opts.wm}/healthz`)
      if (r.status !== 200) noteError(`healthz HTTP ${r.status}`)
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, worker))
}
const hWall = (performance.now() - h0) / 1000
const hCpu = cpuMs(opts.wmPid) - hCpu0
agent.destroy()

// ---------------------------------------------------------------- checks ---
const byStatus = {}
for (const r of results) byStatus[r.status] = (byStatus[r.status] || 0) + 1
const done = results.filter((r) => r.status === 'completed')
const sumDebit = done.reduce((s, r) => s + r.debit, 0n)
const sumReceive = done.reduce((s, r) => s + r.receive, 0n)
const sumAmount = done.reduce((s, r) => s + r.amount, 0n)
const bal = (st, w) => BigInt(st.wallets[w].balance)
const senderDebited = bal(before, opts.sender) - bal(after, opts.sender)
const streamerCredited = bal(after, 'streamer') - bal(before, 'streamer')
const opsPerTip = new Map()
for (const o of after.outgoingPayments) {
  if (o.failed) continue
  const tip = o.metadata?.tipId ?? '(no tipId)'
  opsPerTip.set(tip, (opsPerTip.get(tip) || 0) + 1)
}
const doubles = [...opsPerTip.values()].filter((n) => n > 1).length
const paid = [...opsPerTip.values()].reduce((s, n) => s + n, 0)

const checks = [
  ['every flow reached a final status', results.every((r) => FINAL.has(r.status))],
  ['every tip completed', done.length === opts.flows],
  ['sender debited exactly the sum of the completed quotes', senderDebited === sumDebit],
  ['streamer credited exactly the completed tips', streamerCredited === sumReceive && sumReceive === sumAmount],
  ['one outgoing payment per completed tip, none twice', doubles === 0 && paid === done.length],
  ['zero sandbox validation/signature failures', failures.count === 0]
]
const ok = checks.every(([, v]) => v)

const lat = done.map((r) => r.totalMs).sort((a, b) => a - b)
const clat = results.filter((r) => r.id).map((r) => r.createMs).sort((a, b) => a - b)
const perTip = wmCpu / opts.flows
const perHealthz = hCpu / nHealthz
const perSbFlow = sbCpu / opts.flows
const reqPerTip = flowRequests / opts.flows

console.log(`tip bench: ${opts.flows} concurrent flows, ${opts.connections} keep-alive connections to the sidecar, CLK_TCK ${CLK_TCK}`)
console.log(`  final status            ${Object.entries(byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}`)
for (const [m, n] of errors) console.log(`  note                    ${n} x ${m}`)
console.log(`  wall time               ${wall.toFixed(1)} s   ${(opts.flows / wall).toFixed(2)} flows/s`)
console.log(`  latency (completed)     p50 ${(pct(lat, 50) / 1000).toFixed(1)} s   p99 ${(pct(lat, 99) / 1000).toFixed(1)} s   create p50 ${pct(clat, 50).toFixed(0)} ms p99 ${pct(clat, 99).toFixed(0)} ms`)
console.log(`  sender debited          ${senderDebited} = sum of quoted debits ${sumDebit}`)
console.log(`  streamer credited       ${streamerCredited} = sum of receive amounts ${sumReceive} (tips ${sumAmount})`)
console.log(`  outgoing payments       ${paid} for ${done.length} completed tips, ${doubles} tips paid twice`)
console.log(`  sandbox failures        ${failures.count}`)
console.log(`  sidecar CPU             ${wmCpu.toFixed(0)} ms = ${perTip.toFixed(2)} ms per tip (${reqPerTip.toFixed(1)} HTTP requests per tip from the driver)`)
console.log(`  sandbox CPU             ${sbCpu.toFixed(0)} ms = ${perSbFlow.toFixed(2)} ms per flow;  ratio sidecar/sandbox ${(perTip / perSbFlow).toFixed(3)}`)
console.log(`  baseline GET /healthz   ${nHealthz} requests in ${hWall.toFixed(1)} s: ${(perHealthz * 1000).toFixed(1)} us CPU each;  one tip = ${(perTip / perHealthz).toFixed(0)} healthz`)
console.log(`  sidecar peak RSS        ${(peakRssKb(opts.wmPid) / 1024).toFixed(1)} MiB`)
for (const [name, v] of checks) console.log(`  check: ${v ? 'ok  ' : 'FAIL'}  ${name}`)
console.log(`tip_bench flows=${opts.flows} completed=${done.length} statuses=${Object.entries(byStatus).map(([k, v]) => `${k}:${v}`).join(',')} ` +
  `seconds=${wall.toFixed(2)} flows_per_sec=${(opts.flows / wall).toFixed(2)} p50_s=${(pct(lat, 50) / 1000).toFixed(2)} p99_s=${(pct(lat, 99) / 1000).toFixed(2)} ` +
  `cpu_ms_per_tip=${perTip.toFixed(3)} sandbox_cpu_ms_per_flow=${perSbFlow.toFixed(3)} healthz_cpu_us=${(perHealthz * 1000).toFixed(2)} ` +
  `requests_per_tip=${reqPerTip.toFixed(2)} sender_debited=${senderDebited} sum_debit=${sumDebit} streamer_credited=${streamerCredited} sum_receive=${sumReceive} ` +
  `double_paid=${doubles} sandbox_failures=${failures.count} peak_rss_kb=${peakRssKb(opts.wmPid)} ok=${ok ? 1 : 0}`)
process.exit(ok ? 0 : 1)
