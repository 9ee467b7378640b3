#!/usr/bin/env node
// Benchmark helper (not a test): three webhook receivers on one loopback port, for
// `scripts/bench --only webhooks-out`.
//   POST /healthy  answers 204 at once and records each delivery: the webhook-id (to count
//                  duplicates) and the latency from the event's own "timestamp" (the commit of
//                  the tip) to its arrival here.
//   POST /slow     answers 204 after 2 s.
//   POST /failing  answers 500 at once.
//   GET  /stats    {"healthy":{"deliveries","unique","p50_ms","p99_ms","max_ms"},"slow":N,"failing":N}
// Prints {"port":N} on stdout when it listens.
import http from 'node:http'

const latencies = []
const seen = new Set()
let deliveries = 0
const counts = { slow: 0, failing: 0 }

function pct(sorted, p) {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

function onHealthy(req, body) {
  deliveries++
  const id = req.headers['webhook-id']
  if (id && !seen.has(id)) {
    seen.add(id)
    try {
      const at = Date.parse(JSON.parse(body).timestamp)
      if (Number.isFinite(at)) latencies.push(Date.now() - at)
    } catch { /* not JSON: counted, no latency */ }
  }
}

function stats() {
  const s = [...latencies].sort((a, b) => a - b)
  return {
    healthy: { deliveries, unique: seen.size, p50_ms: pct(s, 50), p99_ms: pct(s, 99), max_ms: s.length ? s[s.length - 1] : 0 },
    slow: counts.slow,
    failing: counts.failing
  }
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(stats()))
    } else if (req.method === 'POST' && req.url === '/healthy') {
      onHealthy(req, body)
      res.writeHead(204).end()
    } else if (req.method === 'POST' && req.url === '/slow') {
      counts.slow++
      setTimeout(() => res.writeHead(204).end(), 2000)
    } else if (req.method === 'POST' && req.url === '/failing') {
      counts.failing++
      res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down')
    } else {
      res.writeHead(404).end()
    }
  })
})
server.keepAliveTimeout = 30000
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }))
})
