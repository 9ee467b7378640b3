#!/usr/bin/env node
// Benchmark (not a test): signing throughput of Interledger's @interledger/http-signature-utils
// createHeaders() (what @interledger/open-payments calls for every signed request) on the same
// request as tests/bench/sign_bench.cpp: POST, ~300-byte compact JSON body, Authorization header.
// Each iteration: Content-Digest + Content-Length + Content-Type + Signature-Input + Signature.
//
// Usage: node tests/bench/sign_bench.mjs [--seconds S]
// Prints: sign_bench official signs=N seconds=T signs_per_sec=R cpu_seconds=C signs_per_cpu_sec=R2 body_bytes=B
// (per wall-clock second, and per second of this process's CPU time, user + system, all threads)
import crypto from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createHeaders } from '@interledger/http-signature-utils'

let seconds = 5
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--seconds' && i + 1 < argv.length) seconds = Number(argv[++i])
  else {
    console.error('usage: sign_bench.mjs [--seconds S]')
    process.exit(2)
  }
}

// Keep identical to tests/bench/sign_bench.cpp.
const url = 'https://ilp.example.com/alice/outgoing-payments'
const authorization = 'GNAP 8F3A2C1D9E7B6A5F4E3D2C1B0A9F8E7D6C5B4A39'
const body =
  '{"walletAddress":"https://ilp.example.com/alice",' +
  '"quoteId":"https://ilp.example.com/alice/quotes/8c8f5d1e-4b8a-4f38-9f5e-2a3c1b7d9e10",' +
  '"metadata":{"description":"Tip from alice for the stream, sent by owncast-wm",' +
  '"externalRef":"owncast-wm/tip/0b6f7e0c-2d7f-4f0e-9a51-7f0a2c9f4b11","source":"bench"}}'

const { privateKey } = crypto.generateKeyPairSync('ed25519')
const keyId = 'bench-key'
// createHeaders() adds the content headers to request.headers, so each call gets a fresh request
// (as the SDK builds one per call).
const sign = () => createHeaders({ request: { method: 'POST', url, headers: { Authorization: authorization }, body }, privateKey, keyId })

const first = await sign()
if (!first.Signature || !first['Signature-Input'] || !first['Content-Digest']) {
  console.error('createHeaders returned', first)
  process.exit(1)
}

const cpuStart = process.cpuUsage()
const start = performance.now()
const deadline = start + seconds * 1000
let n = 0
for (;;) {
  for (let i = 0; i < 16; i++) {
    await sign()
    n++
  }
  if (performance.now() >= deadline) break
}
const elapsed = (performance.now() - start) / 1000
const cu = process.cpuUsage(cpuStart)
const cpu = (cu.user + cu.system) / 1e6
console.log(`sign_bench official signs=${n} seconds=${elapsed.toFixed(3)} signs_per_sec=${(n / elapsed).toFixed(1)} cpu_seconds=${cpu.toFixed(3)} signs_per_cpu_sec=${(n / cpu).toFixed(1)} body_bytes=${Buffer.byteLength(body)}`)
