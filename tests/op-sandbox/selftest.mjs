#!/usr/bin/env node
// Self-test of op-sandbox with the OFFICIAL Open Payments client
// (@interledger/open-payments). Starts server.mjs as a child process on a free
// port, runs a full tip flow plus a few error paths, checks balances and that
// the sandbox recorded zero validation/signature failures.
// Exit 0 and a final "N passed, 0 failed" line on success.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createAuthenticatedClient, isFinalizedGrant, isPendingGrant } from '@interledger/open-payments'
import { generateJwk, createHeaders } from '@interledger/http-signature-utils'

const here = path.dirname(fileURLToPath(import.meta.url))
let passed = 0
let failed = 0
function check(cond, what, extra) {
  if (cond) {
    passed++
    console.log(`ok   ${what}`)
  } else {
    failed++
    console.log(`FAIL ${what}${extra !== undefined ? ' ' + JSON.stringify(extra) : ''}`)
  }
}
async function expectError(p, status, what, code) {
  try {
    await p
    check(false, `${what}: expected HTTP ${status}, got success`)
  } catch (e) {
    const ok = e.status === status && (!code || e.code === code || (e.description || '').includes(code))
    check(ok, `${what} -> ${status}${code ? ' ' + code : ''}`, ok ? undefined : { status: e.status, code: e.code, description: e.description, message: e.message })
  }
}

// ---- start the sandbox
const child = spawn(process.execPath, [path.join(here, 'server.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
const ready = await new Promise((resolve, reject) => {
  const rl = readline.createInterface({ input: child.stdout })
  rl.once('line', (l) => resolve(JSON.parse(l)))
  child.once('exit', (c) => reject(new Error(`sandbox exited with ${c}`)))
  setTimeout(() => reject(new Error('sandbox did not become ready in 20 s')), 20000)
})
const { base, port } = ready
const httpBase = `http://127.0.0.1:${port}`
const hook = async (method, p, body) => {
  const r = await fetch(httpBase + p, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined })
  return r.json()
}

let exitCode = 1
try {
  check(ready.ready === true && base === `https://127.0.0.1:${port}`, 'ready line', ready)

  // ---- client identity: a fresh Ed25519 key registered on streamer (and nobody)
  const keyId = `selftest-${crypto.randomUUID()}`
  const { privateKey } = crypto.generateKeyPairSync('ed25519')
  const jwk = generateJwk({ privateKey, keyId })
  await hook('POST', '/_test/keys', { wallet: 'streamer', jwk })
  await hook('POST', '/_test/keys', { wallet: 'nobody', jwk })
  const jwks = await (await fetch(`${httpBase}/streamer/jwks.json`)).json()
  check(jwks.keys.length === 1 && jwks.keys[0].kid === keyId && jwks.keys[0].x === jwk.x, 'jwks.json lists the registered key')

  // useHttp: the SDK rewrites https:// to http:// on the wire (dev hosts).
  const mkClient = (wallet) =>
    createAuthenticatedClient({ walletAddressUrl: `${base}/${wallet}`, privateKey, keyId, useHttp: true, validateResponses: true, logLevel: 'silent' })
  const client = await mkClient('streamer')

  const streamer = await client.walletAddress.get({ url: `${base}/streamer` })
  const alice = await client.walletAddress.get({ url: `${base}/alice` })
  const bob = await client.walletAddress.get({ url: `${base}/bob` })
  check(streamer.id === `${base}/streamer` && streamer.publicName === 'Streamer' && streamer.assetCode === 'EUR', 'streamer wallet address')
  check(alice.authServer === `${base}/auth` && alice.resourceServer === `${base}/rs`, 'alice authServer/resourceServer')

  // ---- 1. incoming-payment grant (non-interactive) on streamer's AS
  const ipGrant = await client.grant.request(
    { url: streamer.authServer },
    { access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read', 'complete'], identifier: streamer.id }] } }
  )
  check(isFinalizedGrant(ipGrant) && ipGrant.access_token.expires_in === 600, 'incoming-payment grant granted immediately')

  // ---- 2. incoming payment for 10.00 EUR
  const ip = await client.incomingPayment.create(
    { url: streamer.resourceServer, accessToken: ipGrant.access_token.value },
    { walletAddress: streamer.id, incomingAmount: { value: '1000', assetCode: 'EUR', assetScale: 2 }, metadata: { description: 'Tip via selftest' } }
  )
  check(ip.id.startsWith(`${base}/rs/incoming-payments/`) && ip.receivedAmount.value === '0', 'incoming payment created')

  // ---- 3. quote grant on alice's AS, 4. quote (receive = incomingAmount)
  const qGrant = await client.grant.request({ url: alice.authServer }, { access_token: { access: [{ type: 'quote', actions: ['create', 'read'] }] } })
  check(isFinalizedGrant(qGrant), 'quote grant granted immediately')
  const quote = await client.quote.create(
    { url: alice.resourceServer, accessToken: qGrant.access_token.value },
    { walletAddress: alice.id, receiver: ip.id, method: 'ilp' }
  )
  // 1000 received; fee = ceil(1% of 1000) + 1 = 11
  check(quote.receiveAmount.value === '1000' && quote.debitAmount.value === '1011', 'quote: receive 1000, debit 1011 (1% + 1 fee)', quote)

  // ---- 5. interactive outgoing-payment grant
  const clientNonce = crypto.randomUUID()
  const finishUri = 'http://localhost:8080/op/finish/session-1?x=1'
  const opGrantReq = {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier: alice.id, limits: { debitAmount: quote.debitAmount } }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: finishUri, nonce: clientNonce } }
  }
  const pending = await client.grant.request({ url: alice.authServer }, opGrantReq)
  check(isPendingGrant(pending) && pending.continue.wait === 5 && pending.interact.redirect.startsWith(`${base}/interact/`), 'outgoing-payment grant pending interaction')

  // consent page renders
  const page = await (await fetch(pending.interact.redirect.replace(base, httpBase))).text()
  check(page.includes('id="approve"') && page.includes('10.11 EUR'), 'consent page shows amount and Approve button')

  // ---- 6. decide via hook
  const latest = await hook('GET', '/_test/interactions/latest')
  const { redirect } = await hook('POST', `/_test/interactions/${latest.id}/decision`, { decision: 'accept' })
  const ru = new URL(redirect)
  const hash = ru.searchParams.get('hash')
  const interactRef = ru.searchParams.get('interact_ref')
  check(ru.searchParams.get('x') === '1' && redirect.startsWith('http://localhost:8080/op/finish/session-1?'), 'finish redirect keeps the finish uri query')
  const expected = crypto.createHash('sha256').update([clientNonce, pending.interact.finish, interactRef, alice.authServer].join('\n')).digest('base64')
  check(hash === expected, 'finish hash = b64(sha256(nonce\\nfinish\\nref\\nauthServer))')

  // ---- 7. continue: too fast, then after wait (clock advanced via hook)
  await expectError(
    client.grant.continue({ url: pending.continue.uri, accessToken: pending.continue.access_token.value }, { interact_ref: interactRef }),
    400, 'continue before wait', 'too_fast'
  )
  await hook('POST', '/_test/clock', { advanceSeconds: 6 })
  const opGrant = await client.grant.continue({ url: pending.continue.uri, accessToken: pending.continue.access_token.value }, { interact_ref: interactRef })
  check(isFinalizedGrant(opGrant) && opGrant.access_token.access[0].limits.debitAmount.value === '1011', 'continue returns outgoing-payment token')
  await expectError(
    client.grant.continue({ url: pending.continue.uri, accessToken: pending.continue.access_token.value }, { interact_ref: interactRef }),
    401, 'second continue', 'request_denied'
  )

  // ---- 8. outgoing payment from the quote, read back
  const op = await client.outgoingPayment.create({ url: alice.resourceServer, accessToken: opGrant.access_token.value }, { walletAddress: alice.id, quoteId: quote.id, metadata: { description: 'Tip' } })
  check(op.failed === false && op.debitAmount.value === '1011' && op.grantSpentDebitAmount.value === '1011', 'outgoing payment created', op)
  const opRead = await client.outgoingPayment.get({ url: op.id, accessToken: opGrant.access_token.value })
  check(opRead.id === op.id && opRead.sentAmount.value === '1000', 'outgoing payment read back (sentAmount excludes fee)', opRead)
  const ipRead = await client.incomingPayment.get({ url: ip.id, accessToken: ipGrant.access_token.value })
  check(ipRead.receivedAmount.value === '1000' && ipRead.completed === true, 'incoming payment received 1000 and completed', ipRead)
  const pub = await client.incomingPayment.getPublic({ url: ip.id })
  check(pub.receivedAmount?.value === '1000' && pub.authServer === `${base}/auth`, 'public incoming payment view')
  const spent = await client.outgoingPayment.getGrantSpentAmounts({ url: alice.resourceServer, accessToken: opGrant.access_token.value })
  check(spent.spentDebitAmount?.value === '1011', 'outgoing-payment-grant spent amounts', spent)

  // ---- 9. over the grant limit -> 403
  const ip2 = await client.incomingPayment.create({ url: streamer.resourceServer, accessToken: ipGrant.access_token.value }, { walletAddress: streamer.id })
  await expectError(
    client.outgoingPayment.create({ url: alice.resourceServer, accessToken: opGrant.access_token.value }, { walletAddress: alice.id, incomingPayment: ip2.id, debitAmount: { value: '100', assetCode: 'EUR', assetScale: 2 } }),
    403, 'payment over the grant debitAmount limit', 'unauthorized'
  )

  // ---- 10. token rotation and revocation, grant cancel
  const rotated = await client.token.rotate({ url: ipGrant.access_token.manage, accessToken: ipGrant.access_token.value })
  check(rotated.access_token.value !== ipGrant.access_token.value && rotated.access_token.manage !== ipGrant.access_token.manage, 'token rotated')
  await expectError(client.incomingPayment.get({ url: ip.id, accessToken: ipGrant.access_token.value }), 403, 'old token after rotation', 'Inactive Token')
  const again = await client.incomingPayment.get({ url: ip.id, accessToken: rotated.access_token.value })
  check(again.id === ip.id, 'new token works')
  await hook('POST', '/_test/clock', { advanceSeconds: 601 })
  await expectError(client.incomingPayment.get({ url: ip.id, accessToken: rotated.access_token.value }), 403, 'expired token', 'Inactive Token')
  const rotated2 = await client.token.rotate({ url: rotated.access_token.manage, accessToken: rotated.access_token.value })
  check(!!rotated2.access_token.value, 'expired token can be rotated')
  await client.token.revoke({ url: rotated2.access_token.manage, accessToken: rotated2.access_token.value })
  await expectError(client.incomingPayment.get({ url: ip.id, accessToken: rotated2.access_token.value }), 403, 'revoked token', 'Inactive Token')
  await client.grant.cancel({ url: opGrant.continue.uri, accessToken: opGrant.continue.access_token.value })
  await expectError(client.grant.cancel({ url: opGrant.continue.uri, accessToken: opGrant.continue.access_token.value }), 401, 'cancel twice', 'invalid_continuation')

  // ---- 11. cross-currency direct payment bob(USD) -> streamer(EUR), rejected grant
  const ipGrant2 = await client.grant.request({ url: streamer.authServer }, { access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read'], identifier: streamer.id }] } })
  const ip3 = await client.incomingPayment.create({ url: streamer.resourceServer, accessToken: ipGrant2.access_token.value }, { walletAddress: streamer.id })
  const p2 = await client.grant.request({ url: bob.authServer }, {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier: bob.id, limits: { debitAmount: { value: '2000', assetCode: 'USD', assetScale: 2 }, interval: `R/${new Date(Date.now() - 5000).toISOString()}/P1D` } }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: 'http://localhost:8080/finish', nonce: crypto.randomUUID() } }
  })
  const iid = new URL(p2.interact.redirect).pathname.split('/')[2]
  const r2 = await hook('POST', `/_test/interactions/${iid}/decision`, { decision: 'accept' })
  await hook('POST', '/_test/clock', { advanceSeconds: 6 })
  const g2 = await client.grant.continue({ url: p2.continue.uri, accessToken: p2.continue.access_token.value }, { interact_ref: new URL(r2.redirect).searchParams.get('interact_ref') })
  const op2 = await client.outgoingPayment.create({ url: bob.resourceServer, accessToken: g2.access_token.value }, { walletAddress: bob.id, incomingPayment: ip3.id, debitAmount: { value: '1102', assetCode: 'USD', assetScale: 2 } })
  // sent = 1090 USD cents (fee 12) -> 1090 * 1.0 / 1.1 = 990 EUR cents
  check(op2.debitAmount.value === '1102' && op2.receiveAmount.value === '990' && op2.receiveAmount.assetCode === 'EUR', 'direct USD->EUR payment with exchange and fee', op2)

  const p3 = await client.grant.request({ url: alice.authServer }, opGrantReq)
  const iid3 = new URL(p3.interact.redirect).pathname.split('/')[2]
  const r3 = await hook('POST', `/_test/interactions/${iid3}/decision`, { decision: 'reject' })
  check(new URL(r3.redirect).searchParams.get('result') === 'grant_rejected', 'reject -> result=grant_rejected')
  await hook('POST', '/_test/clock', { advanceSeconds: 6 })
  await expectError(client.grant.continue({ url: p3.continue.uri, accessToken: p3.continue.access_token.value }, { interact_ref: 'nope' }), 404, 'continue after reject', 'invalid_continuation')

  // ---- 12. client without publicName cannot ask for interactive grants
  const nobodyClient = await mkClient('nobody')
  await expectError(nobodyClient.grant.request({ url: alice.authServer }, opGrantReq), 400, 'interactive grant with client lacking publicName', 'invalid_client')

  // ---- 13. helpers for more interactive grants (decided through the consent form)
  async function opGrantFor(wallet, limits) {
    const nonce = crypto.randomUUID()
    const g = await client.grant.request({ url: wallet.authServer }, {
      access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier: wallet.id, ...(limits ? { limits } : {}) }] },
      interact: { start: ['redirect'], finish: { method: 'redirect', uri: 'http://localhost:8080/finish', nonce } }
    })
    const consent = new URL(g.interact.redirect)
    const r = await fetch(`${httpBase}${consent.pathname}/decision`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=accept' })
    const loc = r.headers.get('location')
    check(r.status === 302 && loc.startsWith('http://localhost:8080/finish?hash='), `consent form Approve redirects (${wallet.publicName})`)
    await hook('POST', '/_test/clock', { advanceSeconds: 6 })
    return client.grant.continue({ url: g.continue.uri, accessToken: g.continue.access_token.value }, { interact_ref: new URL(loc).searchParams.get('interact_ref') })
  }
  const poor = await client.walletAddress.get({ url: `${base}/poor` })
  const carol = await client.walletAddress.get({ url: `${base}/carol` })
  check(carol.assetScale === 9 && poor.assetCode === 'EUR', 'carol (scale 9) and poor wallets')
  const gPoor = await opGrantFor(poor)
  const opPoor = await client.outgoingPayment.create({ url: poor.resourceServer, accessToken: gPoor.access_token.value }, { walletAddress: poor.id, incomingPayment: ip3.id, debitAmount: { value: '500', assetCode: 'EUR', assetScale: 2 } })
  check(opPoor.failed === true && opPoor.sentAmount.value === '0', 'insufficient funds -> failed: true, nothing sent', opPoor)
  const gCarol = await opGrantFor(carol)
  const opCarol = await client.outgoingPayment.create({ url: carol.resourceServer, accessToken: gCarol.access_token.value }, { walletAddress: carol.id, incomingPayment: ip3.id, debitAmount: { value: '10000000000', assetCode: 'XRP', assetScale: 9 } })
  const sentXrp = BigInt(opCarol.sentAmount.value)
  const expectEur = (sentXrp * 500000n * 100n) / (1100000n * 1000000000n)
  check(opCarol.receiveAmount.value === expectEur.toString() && opCarol.receiveAmount.assetScale === 2, 'XRP(scale 9) -> EUR conversion', opCarol)
  // the quote token expired when the clock was advanced by 601 s: rotate it
  const qTok = (await client.token.rotate({ url: qGrant.access_token.manage, accessToken: qGrant.access_token.value })).access_token.value
  const q2 = await client.quote.create({ url: alice.resourceServer, accessToken: qTok }, { walletAddress: alice.id, receiver: ip3.id, method: 'ilp', debitAmount: { value: '1', assetCode: 'EUR', assetScale: 2 } }).catch((e) => e)
  check(q2.status === 400 && q2.description === 'non-positive receive amount', 'tiny quote -> non-positive receive amount', { status: q2.status, d: q2.description })
  const gAlice = await opGrantFor(alice)
  const q3 = await client.quote.create({ url: alice.resourceServer, accessToken: qTok }, { walletAddress: alice.id, receiver: ip3.id, method: 'ilp', receiveAmount: { value: '200', assetCode: 'EUR', assetScale: 2 } })
  check(q3.receiveAmount.value === '200' && q3.debitAmount.value === '203', 'receiveAmount quote: 200 + fee 3', q3)
  await hook('POST', '/_test/clock', { advanceSeconds: 301 })
  await expectError(client.outgoingPayment.create({ url: alice.resourceServer, accessToken: gAlice.access_token.value }, { walletAddress: alice.id, quoteId: q3.id }), 400, 'expired quote', 'invalid quote')

  // ---- balances and failures
  const state = await hook('GET', '/_test/state')
  check(state.wallets.alice.balance === String(100000 - 1011), 'alice debited 1011', state.wallets.alice)
  check(state.wallets.bob.balance === String(5000 - 1102), 'bob debited 1102', state.wallets.bob)
  check(state.wallets.streamer.balance === String(1000n + 990n + expectEur), 'streamer credited all receive amounts', state.wallets.streamer)
  check(state.wallets.poor.balance === '100', 'poor not debited', state.wallets.poor)
  const failures = await hook('GET', '/_test/failures')
  check(failures.count === 0, 'zero validation/signature failures recorded', failures.failures)

  // ---- @target-uri is the URL as received (http here), not the published https id
  console.log('note: the sandbox logs one FAILURE (https URL signed, http sent) next, on purpose')
  const grantBody = JSON.stringify({ access_token: { access: [{ type: 'quote', actions: ['create'] }] }, client: `${base}/streamer` })
  const signedFor = async (url) => {
    const headers = await createHeaders({ request: { method: 'POST', url, headers: { accept: 'application/json' }, body: grantBody }, privateKey, keyId })
    return fetch(`${httpBase}/auth`, { method: 'POST', headers: { accept: 'application/json', ...headers }, body: grantBody })
  }
  const httpsSigned = await signedFor(`${base}/auth`)
  check(httpsSigned.status === 401 && (await httpsSigned.json()).error.description === 'invalid signature', 'https URL signed, http sent -> 401 invalid signature')
  const httpSigned = await signedFor(`${httpBase}/auth`)
  check(httpSigned.status === 200, 'URL signed as sent (http) -> 200', httpSigned.status)
  const f1 = await hook('GET', '/_test/failures')
  check(f1.count === 1 && f1.failures[0].url === `${httpBase}/auth`, 'the refused signature is recorded with the received URL', f1)
  await hook('DELETE', '/_test/failures')

  // ---- the sandbox does catch a bad signature (then reset)
  console.log('note: the sandbox logs one FAILURE (invalid signature) next, on purpose')
  const badKey = crypto.generateKeyPairSync('ed25519').privateKey
  const badClient = await createAuthenticatedClient({ walletAddressUrl: `${base}/streamer`, privateKey: badKey, keyId, useHttp: true, logLevel: 'silent' })
  await expectError(badClient.grant.request({ url: streamer.authServer }, { access_token: { access: [{ type: 'quote', actions: ['create'] }] } }), 401, 'wrong key', 'invalid_client')
  const f2 = await hook('GET', '/_test/failures')
  check(f2.count === 1 && f2.failures[0].kind === 'signature', 'bad signature recorded as a failure', f2)
  await hook('POST', '/_test/reset')
  check((await hook('GET', '/_test/failures')).count === 0, 'reset clears failures')

  exitCode = failed === 0 ? 0 : 1
} catch (e) {
  failed++
  console.log(`FAIL unexpected error: ${e.stack || e} ${JSON.stringify({ status: e.status, description: e.description, validationErrors: e.validationErrors })}`)
  try {
    console.log(JSON.stringify(await hook('GET', '/_test/failures'), null, 1))
  } catch {}
} finally {
  child.kill('SIGTERM')
}
console.log(`selftest: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? exitCode : 1)
