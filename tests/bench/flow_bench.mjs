#!/usr/bin/env node
// Benchmark (not a test): complete Open Payments tip flows per second with Interledger's OFFICIAL
// client (@interledger/open-payments createAuthenticatedClient, useHttp: true, default options)
// against the Node sandbox (tests/op-sandbox/server.mjs), one flow after another. The flow is the
// one in tests/bench/flow_bench.cpp (our client); keep the two identical:
//   incoming-payment grant (streamer AS) -> incoming payment (streamer, 1.00 EUR)
//   -> quote grant (alice AS) -> quote (alice -> incoming payment)
//   -> interactive outgoing-payment grant (alice, limit = quote debit) -> accept via the
//      /_test/interactions/<id>/decision hook -> check the finish hash -> continue (on too_fast:
//      /_test/clock forward by wait + 1, continue again) -> outgoing payment from the quote
//   -> read the outgoing payment back.
// Start: POST /_test/reset {"keepKeys":true}, alice's balance set high, a fresh key registered
// on streamer. End: /_test/failures must be 0.
//
// Usage: node tests/bench/flow_bench.mjs --base https://127.0.0.1:N [--seconds S]
// Prints: flow_bench official flows=N seconds=T flows_per_sec=R max_rss_kb=K clock_advances=C failures=F
import crypto from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createAuthenticatedClient, isPendingGrant, isFinalizedGrant } from '@interledger/open-payments'
import { generateJwk } from '@interledger/http-signature-utils'

let base = ''
let seconds = 5
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--base' && i + 1 < argv.length) base = argv[++i]
  else if (argv[i] === '--seconds' && i + 1 < argv.length) seconds = Number(argv[++i])
  else {
    console.error('usage: flow_bench.mjs --base https://127.0.0.1:N [--seconds S]')
    process.exit(2)
  }
}
if (!base.startsWith('https://')) {
  console.error('flow_bench.mjs: --base https://127.0.0.1:N is required')
  process.exit(2)
}
const httpBase = 'http://' + base.slice('https://'.length)

async function hook(method, path, body) {
  const r = await fetch(httpBase + path, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {})
  })
  const text = await r.text()
  if (Math.floor(r.status / 100) !== 2) throw new Error(`hook ${path}: HTTP ${r.status} ${text}`)
  return text ? JSON.parse(text) : null
}

let clockAdvances = 0
try {
  await hook('POST', '/_test/reset', { keepKeys: true })
  await hook('POST', '/_test/balance', { wallet: 'alice', balance: '1000000000000' })
  const { privateKey } = crypto.generateKeyPairSync('ed25519')
  const keyId = 'flow-bench-official'
  await hook('POST', '/_test/keys', { wallet: 'streamer', jwk: generateJwk({ privateKey, keyId }) })

  const client = await createAuthenticatedClient({ walletAddressUrl: `${base}/streamer`, privateKey, keyId, useHttp: true, logLevel: 'silent' })
  const streamer = await client.walletAddress.get({ url: `${base}/streamer` })
  const alice = await client.walletAddress.get({ url: `${base}/alice` })

  const token = async (w, type) => {
    const g = await client.grant.request({ url: w.authServer }, { access_token: { access: [{ type, actions: ['create', 'read'] }] } })
    if (!isFinalizedGrant(g)) throw new Error('grant: no access token')
    return g.access_token.value
  }

  async function flow() {
    // 1-2: incoming payment on streamer.
    const ip = await client.incomingPayment.create(
      { url: streamer.resourceServer, accessToken: await token(streamer, 'incoming-payment') },
      { walletAddress: streamer.id, incomingAmount: { value: '100', assetCode: 'EUR', assetScale: 2 } }
    )
    // 3-4: quote from alice.
    const quote = await client.quote.create(
      { url: alice.resourceServer, accessToken: await token(alice, 'quote') },
      { walletAddress: alice.id, receiver: ip.id, method: 'ilp' }
    )
    // 5: interactive outgoing-payment grant.
    const nonce = crypto.randomBytes(16).toString('base64url')
    const pending = await client.grant.request({ url: alice.authServer }, {
      access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier: alice.id, limits: { debitAmount: quote.debitAmount } }] },
      interact: { start: ['redirect'], finish: { method: 'redirect', uri: 'http://localhost:8080/op/finish/bench', nonce } }
    })
    if (!isPendingGrant(pending)) throw new Error('outgoing-payment grant: not pending')
    // 6: decide via the hook (interaction id = path segment after /interact/).
    const iid = new URL(pending.interact.redirect).pathname.split('/')[2]
    const { redirect } = await hook('POST', `/_test/interactions/${iid}/decision`, { decision: 'accept' })
    const params = new URL(redirect).searchParams
    const interactRef = params.get('interact_ref')
    const expected = crypto.createHash('sha256').update([nonce, pending.interact.finish, interactRef, alice.authServer].join('\n')).digest('base64')
    if (params.get('hash') !== expected) throw new Error('finish hash mismatch')
    // 7: continue (advance the sandbox clock instead of sleeping if it asks us to wait).
    const cont = () => client.grant.continue({ url: pending.continue.uri, accessToken: pending.continue.access_token.value }, { interact_ref: interactRef })
    let granted
    try {
      granted = await cont()
    } catch (e) {
      if (e.code !== 'too_fast') throw e
      await hook('POST', '/_test/clock', { advanceSeconds: (pending.continue.wait ?? 0) + 1 })
      clockAdvances++
      granted = await cont()
    }
    if (!isFinalizedGrant(granted)) throw new Error('continue: no access token')
    // 8-9: outgoing payment from the quote, read back.
    const op = await client.outgoingPayment.create({ url: alice.resourceServer, accessToken: granted.access_token.value }, { walletAddress: alice.id, quoteId: quote.id })
    if (op.failed) throw new Error('outgoing payment failed (balance?)')
    const back = await client.outgoingPayment.get({ url: op.id, accessToken: granted.access_token.value })
    if (back.id !== op.id || back.sentAmount.value !== '100') throw new Error('read back mismatch')
  }

  await flow() // warm-up (connections, caches)
  const start = performance.now()
  const deadline = start + seconds * 1000
  let n = 0
  while (performance.now() < deadline) {
    await flow()
    n++
  }
  const elapsed = (performance.now() - start) / 1000
  const failures = (await hook('GET', '/_test/failures')).count
  const maxRssKb = process.resourceUsage().maxRSS
  console.log(`flow_bench official flows=${n} seconds=${elapsed.toFixed(3)} flows_per_sec=${(n / elapsed).toFixed(2)} max_rss_kb=${maxRssKb} clock_advances=${clockAdvances} failures=${failures}`)
  process.exit(failures === 0 ? 0 : 1)
} catch (e) {
  console.error(`flow_bench.mjs: ${e.message ?? e}${e.status ? ` (HTTP ${e.status} ${e.code ?? ''} ${e.description ?? ''})` : ''}`)
  process.exit(1)
}
