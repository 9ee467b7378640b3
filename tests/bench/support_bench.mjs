#!/usr/bin/env node
// Benchmark (not a test): N concurrent streaming-support sessions ("pay while you watch") through
// the REAL owncast-wm binary against the Node Open Payments sandbox. Started by
// `scripts/bench --only support` (scripts/bench.d/support.sh), which starts both processes with
// `--support-interval` and passes their pids. The driver:
//   1. marks the stream live (Owncast's STREAM_STARTED webhook),
//   2. creates N sessions at once (POST /plugins/wm/support, 100.00 EUR/h from alice), approves
//      each through the sandbox hook and calls our callback (the wallet's redirect),
//   3. for --seconds sends every session's heartbeat every 10 s (the widget sends one every <= 15 s,
//      staggered over the 10 s),
//   4. marks the stream offline (STREAM_STOPPED), stops the heartbeats and waits until every
//      session is settled (nothing pending, its payments confirmed by the incoming payment).
// Checks (at the sandbox): per session, its outgoing payments (metadata supportId) equal our
// payment count and their receive amounts sum to the incoming payment's receivedAmount = our
// `paid` = floor(rate x watched / 1 h): nothing paid twice, nothing lost; no failed payment; zero
// sandbox failures. Measures: payments made during the watch phase, the sidecar's CPU time
// (utime+stime, /proc/<pid>/stat) per payment in that phase, and the same run's baseline: the
// sidecar's CPU per GET /healthz (10,000 requests over the same pool).
//
// Usage: node tests/bench/support_bench.mjs --wm http://127.0.0.1:P --wm-pid PID --sandbox https://127.0.0.1:N
//          --sandbox-pid PID --hook-token TOKEN [--sessions 200] [--seconds 120] [--interval 5] [--connections 64]
// Prints a report, then one line: support_bench sessions=N payments=P ... ok=1|0. Exit 1 when a check fails.
import http from 'node:http'
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const opts = { sessions: 200, seconds: 120, interval: 5, connections: 64, rate: '10000', beatMs: 10000 }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const next = () => (i + 1 < argv.length ? argv[++i] : usage())
  if (a === '--wm') opts.wm = next().replace(/\/$/, '')
  else if (a === '--wm-pid') opts.wmPid = Number(next())
  else if (a === '--sandbox') opts.sandbox = next().replace(/\/$/, '')
  else if (a === '--sandbox-pid') opts.sandboxPid = Number(next())
  else if (a === '--hook-token') opts.hookToken = next()
  else if (a === '--sessions') opts.sessions = Number(next())
  else if (a === '--seconds') opts.seconds = Number(next())
  else if (a === '--interval') opts.interval = Number(next())
  else if (a === '--connections') opts.connections = Number(next())
  else usage()
}
function usage() {
  console.error('usage: support_bench.mjs --wm URL --wm-pid PID --sandbox https://127.0.0.1:N --sandbox-pid PID --hook-token T [--sessions N] [--seconds S] [--interval S] [--connections N]')
  process.exit(2)
}
if (!opts.wm || !opts.wmPid || !opts.sandbox?.startsWith('https://') || !opts.sandboxPid || !opts.hookToken || !(opts.sessions > 0)) usage()
const sbHttp = 'http://' + opts.sandbox.slice('https://'.length)
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../data/fixtures/owncast')

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK // utime + stime
}
function peakRssKb(pid) {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections })
function wm(method, url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    const req = http.request(url, {
      method,
      agent,
      headers: { accept: 'application/json', ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers }
    }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json = null
        try { json = JSON.parse(text) } catch { /* HTML or empty */ }
        resolve({ status: res.statusCode, text, json })
      })
      res.on('error', reject)
    })
    req.setTimeout(120000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (data !== undefined) req.write(data)
    req.end()
  })
}
async function hook(method, p, body) {
  const r = await fetch(sbHttp + p, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {})
  })
  const text = await r.text()
  if (Math.floor(r.status / 100) !== 2) throw new Error(`hook ${method} ${p}: HTTP ${r.status} ${text}`)
  return text ? JSON.parse(text) : null
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function webhook(fixture) {
  const r = await wm('POST', `${opts.wm}/webhooks/owncast/${opts.hookToken}`, readFileSync(path.join(fixtures, fixture), 'utf8'))
  if (r.status >= 300) throw new Error(`webhook ${fixture}: HTTP ${r.status}`)
}
const notes = new Map()
const note = (m) => notes.set(m, (notes.get(m) || 0) + 1)

// ------------------------------------------------------------------ sessions ---
async function open(i) {
  const c = await wm('POST', `${opts.wm}/plugins/wm/support`, {
    senderWalletAddress: `${opts.sandbox}/alice`,
    rate: { value: opts.rate, assetCode: 'EUR', assetScale: 2 },
    displayName: `viewer ${i}`
  }, { 'idempotency-key': `support-bench-${process.pid}-${i}` })
  if (c.status !== 201) throw new Error(`create HTTP ${c.status} ${c.text.slice(0, 200)}`)
  const iid = /\/interact\/([^/?]+)\//.exec(c.json.consentUrl)?.[1]
  const d = await hook('POST', `/_test/interactions/${encodeURIComponent(iid)}/decision`, { decision: 'accept' })
  const cb = await wm('GET', d.redirect, undefined, { accept: 'text/html' })
  if (cb.status !== 200) note(`callback HTTP ${cb.status}`)
  return { id: c.json.id, token: c.json.controlToken }
}
let beats = 0
async function beatLoop(s, i, until) {
  await sleep((i * opts.beatMs) / opts.sessions) // staggered over one heartbeat period
  while (performance.now() < until) {
    const r = await wm('POST', `${opts.wm}/plugins/wm/support/${s.id}/heartbeat`, '', { authorization: `Bearer ${s.token}` })
    beats++
    if (r.status !== 204) note(`heartbeat HTTP ${r.status}`)
    await sleep(Math.min(opts.beatMs, Math.max(0, until - performance.now())))
  }
}
const status = async (s) => (await wm('GET', `${opts.wm}/plugins/wm/support/${s.id}`)).json
const units = (a) => (a && a.value !== undefined ? BigInt(a.value) : 0n)

function walletView(state) {
  const v = new Map() // supportId -> {count, failed, sumReceive, received}
  const get = (id) => v.get(id) ?? v.set(id, { count: 0, failed: 0, sumReceive: 0n, sumDebit: 0n, received: 0n }).get(id)
  for (const o of state.outgoingPayments) {
    const id = o.metadata?.supportId
    if (!id) continue
    const x = get(id)
    x.count++
    if (o.failed) x.failed++
    else { x.sumReceive += BigInt(o.receiveAmount.value); x.sumDebit += BigInt(o.debitAmount.value) }
  }
  for (const ip of state.incomingPayments) if (ip.metadata?.supportId) get(ip.metadata.supportId).received = BigInt(ip.receivedAmount.value)
  return v
}
const paymentsAtWallet = (state) => state.outgoingPayments.filter((o) => o.metadata?.supportId).length

// ------------------------------------------------------------------ run ---
await hook('POST', '/_test/reset', { keepKeys: true })
await hook('POST', '/_test/balance', { wallet: 'alice', balance: String(BigInt(opts.sessions) * 1000000n) })
if ((await wm('GET', `${opts.wm}/healthz`)).status !== 200) throw new Error('sidecar /healthz failed')
await webhook('stream-started.json')
const tOpen = performance.now()
const sessions = await Promise.all(Array.from({ length: opts.sessions }, (_, i) => open(i)))
const openS = (performance.now() - tOpen) / 1000
const aliceBefore = BigInt((await hook('GET', '/_test/state')).wallets.alice.balance)

const paid0 = paymentsAtWallet(await hook('GET', '/_test/state'))
const cpu0 = cpuMs(opts.wmPid)
const sbCpu0 = cpuMs(opts.sandboxPid)
const t0 = performance.now()
const until = t0 + opts.seconds * 1000
await Promise.all(sessions.map((s, i) => beatLoop(s, i, until)))
const watchS = (performance.now() - t0) / 1000
const cpuWatch = cpuMs(opts.wmPid) - cpu0
const sbCpuWatch = cpuMs(opts.sandboxPid) - sbCpu0
const paidWatch = paymentsAtWallet(await hook('GET', '/_test/state')) - paid0

// Settle: the stream ends, every session pauses and pays what it owes (bounded wait).
await webhook('stream-stopped.json')
let final = []
let state = null
const settleUntil = performance.now() + Math.max(60, 6 * opts.interval) * 1000
for (;;) {
  final = await Promise.all(sessions.map(status))
  state = await hook('GET', '/_test/state')
  const view = walletView(state)
  const settled = final.every((f) => {
    const w = view.get(f.id) ?? { count: 0, received: 0n }
    return f.status === 'paused' && units(f.pendingAmount) === 0n && f.payments === w.count && units(f.paid) === w.received
  })
  if (settled || performance.now() > settleUntil) break
  await sleep(1000)
}
const failures = await hook('GET', '/_test/failures')

// Baseline in the same run: the sidecar's CPU per GET /healthz over the same pool.
const nHealthz = 10000
const hCpu0 = cpuMs(opts.wmPid)
{
  let next = 0
  const worker = async () => {
    while (next < nHealthz) {
      next++
      if ((await wm('GET', `${opts.wm}/healthz`)).status !== 200) note('healthz not 200')
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, worker))
}
const hCpu = cpuMs(opts.wmPid) - hCpu0
agent.destroy()

// ------------------------------------------------------------------ checks ---
const view = walletView(state)
const rate = BigInt(opts.rate)
let doubles = 0, lost = 0, unsettled = 0, failedPays = 0, totalPayments = 0, totalReceived = 0n, totalDebit = 0n
for (const f of final) {
  const w = view.get(f.id) ?? { count: 0, failed: 0, sumReceive: 0n, sumDebit: 0n, received: 0n }
  const owed = (rate * BigInt(f.watchedMs)) / 3600000n
  totalPayments += w.count
  totalReceived += w.received
  totalDebit += w.sumDebit
  failedPays += w.failed
  if (w.count !== f.payments || w.sumReceive !== w.received) doubles++
  if (w.received !== owed || units(f.paid) !== owed) lost++
  if (units(f.pendingAmount) !== 0n || f.status !== 'paused') unsettled++
}
const aliceDebited = aliceBefore - BigInt(state.wallets.alice.balance)
const checks = [
  ['every session settled (paused, nothing pending)', unsettled === 0],
  ['per session: sandbox outgoing payments = our count, their sum = receivedAmount (none twice)', doubles === 0],
  ['per session: receivedAmount = paid = floor(rate x watched / 1 h)', lost === 0],
  ['viewer debited exactly the sum of the payments\' debit amounts', aliceDebited === totalDebit],
  ['no failed payment', failedPays === 0],
  ['zero sandbox validation/signature failures', failures.count === 0]
]
const ok = checks.every(([, v]) => v)
const perPay = paidWatch > 0 ? cpuWatch / paidWatch : 0
const perHealthz = hCpu / nHealthz
const expected = Math.floor((opts.seconds / opts.interval)) * opts.sessions

console.log(`support bench: ${opts.sessions} sessions, --support-interval ${opts.interval} s, ${opts.seconds} s watched, rate ${opts.rate} EUR/100 per hour, CLK_TCK ${CLK_TCK}`)
console.log(`  sessions opened         ${sessions.length} in ${openS.toFixed(1)} s (create + approve + callback)`)
for (const [m, n] of notes) console.log(`  note                    ${n} x ${m}`)
console.log(`  watch phase             ${watchS.toFixed(1)} s, ${beats} heartbeats, ${paidWatch} payments (at most ~${expected}: one per session per interval)`)
console.log(`  all payments            ${totalPayments} (incl. settling), streamer received ${totalReceived}, viewer debited ${aliceDebited}`)
console.log(`  sidecar CPU (watch)     ${cpuWatch.toFixed(0)} ms = ${perPay.toFixed(2)} ms per payment (heartbeats included)`)
console.log(`  sandbox CPU (watch)     ${sbCpuWatch.toFixed(0)} ms = ${(paidWatch ? sbCpuWatch / paidWatch : 0).toFixed(2)} ms per payment`)
console.log(`  baseline GET /healthz   ${(perHealthz * 1000).toFixed(1)} us CPU each;  one payment = ${(perPay / perHealthz).toFixed(0)} healthz`)
console.log(`  sidecar peak RSS        ${(peakRssKb(opts.wmPid) / 1024).toFixed(1)} MiB`)
for (const [name, v] of checks) console.log(`  check: ${v ? 'ok  ' : 'FAIL'}  ${name}`)
console.log(`support_bench sessions=${opts.sessions} interval_s=${opts.interval} seconds=${opts.seconds} payments_watch=${paidWatch} payments_total=${totalPayments} ` +
  `cpu_ms=${cpuWatch.toFixed(0)} cpu_ms_per_payment=${perPay.toFixed(3)} sandbox_cpu_ms_per_payment=${(paidWatch ? sbCpuWatch / paidWatch : 0).toFixed(3)} ` +
  `healthz_cpu_us=${(perHealthz * 1000).toFixed(2)} heartbeats=${beats} double_paid=${doubles} mismatched=${lost} unsettled=${unsettled} failed_payments=${failedPays} ` +
  `sandbox_failures=${failures.count} peak_rss_kb=${peakRssKb(opts.wmPid)} ok=${ok ? 1 : 0}`)
process.exit(ok ? 0 : 1)
