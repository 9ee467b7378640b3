#!/usr/bin/env node
// op-sandbox: a small Open Payments wallet address server + GNAP authorization
// server + resource server for tests and local demos. Every signed request is
// verified with @interledger/http-signature-utils, every request and response
// of a spec'd endpoint is validated with @interledger/openapi against the
// Open Payments specs shipped inside @interledger/open-payments.
// Interface: see README.md beside this file.
import http from 'node:http'
import crypto from 'node:crypto'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import {
  validateSignatureHeaders,
  validateSignature,
  getKeyId
} from '@interledger/http-signature-utils'
import { createOpenAPI, HttpMethod } from '@interledger/openapi'

const require = createRequire(import.meta.url)

// ---------------------------------------------------------------- config ---
function parseArgs(argv) {
  const opts = { port: 0, host: '127.0.0.1', wait: 5, tokenTtl: 600, quoteTtl: 300, settleMs: [0, 0], quiet: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`)
      return argv[++i]
    }
    if (a === '--port') opts.port = Number(next())
    else if (a === '--host') opts.host = next()
    else if (a === '--wait') opts.wait = Number(next())
    else if (a === '--token-ttl') opts.tokenTtl = Number(next())
    else if (a === '--quote-ttl') opts.quoteTtl = Number(next())
    else if (a === '--settle-ms') opts.settleMs = parseSettle(next())
    else if (a === '--latency-ms') opts.latencyMs = Math.max(0, Number(next()) || 0)
    else if (a === '--quiet') opts.quiet = true
    else if (a === '--list-all-interaction') opts.listAllInteraction = next() !== 'off'
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node server.mjs [--port N] [--host 127.0.0.1] [--wait S] [--token-ttl S] [--quote-ttl S] [--settle-ms MIN[-MAX]] [--latency-ms N] [--list-all-interaction on|off] [--quiet]\n'
      )
      process.exit(0)
    } else throw new Error(`unknown argument ${a}`)
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
    throw new Error('op-sandbox only listens on loopback (127.0.0.1, localhost or ::1)')
  }
  return opts
}

// "300" -> [300, 300], "100-500" -> [100, 500] (milliseconds)
function parseSettle(text) {
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(text))
  if (!m) throw new Error(`--settle-ms takes MIN or MIN-MAX milliseconds, not ${text}`)
  const lo = Number(m[1])
  const hi = m[2] === undefined ? lo : Number(m[2])
  if (hi < lo) throw new Error(`--settle-ms: ${hi} is below ${lo}`)
  return [lo, hi]
}

// Assets: rate = micro-USD per ONE major unit of the asset.
const ASSETS = {
  EUR: { rate: 1_100_000n },
  USD: { rate: 1_000_000n },
  XRP: { rate: 500_000n }
}
// Fee charged by the sending wallet: ceil(sent * FEE_PERCENT / 100) + FEE_FIXED
// minor units of the sender's asset, where "sent" is the part that is exchanged
// and delivered.
const FEE_PERCENT = 1n
const FEE_FIXED = 1n

const WALLETS = [
  { name: 'streamer', publicName: 'Streamer', assetCode: 'EUR', assetScale: 2, balance: 0n },
  { name: 'alice', publicName: 'Alice', assetCode: 'EUR', assetScale: 2, balance: 100000n },
  { name: 'bob', publicName: 'Bob', assetCode: 'USD', assetScale: 2, balance: 5000n },
  { name: 'carol', publicName: 'Carol', assetCode: 'XRP', assetScale: 9, balance: 1_000_000_000_000n },
  { name: 'nobody', assetCode: 'EUR', assetScale: 2, balance: 100000n },
  { name: 'poor', publicName: 'Poor', assetCode: 'EUR', assetScale: 2, balance: 100n }
]

const INCOMING_MAX_EXPIRY_MS = 30 * 24 * 3600 * 1000
const INTERACTION_TTL_MS = 10 * 60 * 1000

// ------------------------------------------------------------------ specs --
function specDir() {
  const pkg = require.resolve('@interledger/open-payments/package.json')
  return path.join(path.dirname(pkg), 'dist', 'openapi', 'specs')
}

async function loadSpecs() {
  const dir = specDir()
  const [wa, as, rs] = await Promise.all([
    createOpenAPI(path.join(dir, 'wallet-address-server.yaml')),
    createOpenAPI(path.join(dir, 'auth-server.yaml')),
    createOpenAPI(path.join(dir, 'resource-server.yaml'))
  ])
  const specs = { wa, as, rs }
  const cache = new Map()
  // createRequestValidator mutates the spec's parameter lists: build each once.
  return function validators(spec, specPath, method) {
    const key = `${spec} ${method} ${specPath}`
    if (!cache.has(key)) {
      const api = specs[spec]
      cache.set(key, {
        request: api.createRequestValidator({ path: specPath, method }),
        response: api.createResponseValidator({ path: specPath, method }),
        // statuses whose declared response has a JSON body
        declared: Object.entries(api.paths[specPath][method].responses || {})
          .filter(([, r]) => r && r.content)
          .map(([k]) => k)
      })
    }
    return cache.get(key)
  }
}

// ---------------------------------------------------------------- helpers --
class HttpError extends Error {
  constructor(status, body, headers = {}, fromValidator = false) {
    super(typeof body === 'string' ? body : JSON.stringify(body))
    this.status = status
    this.body = body
    this.headers = headers
    this.fromValidator = fromValidator
  }
}
const gnapError = (status, code, description) =>
  new HttpError(status, { error: { code, description } })
const rsError = (status, description, details, headers) =>
  new HttpError(
    status,
    { error: { code: String(status), description, ...(details ? { details } : {}) } },
    headers
  )

const uuid = () => crypto.randomUUID()
const tokenValue = () => crypto.randomBytes(10).toString('hex').toUpperCase()
const amt = (value, w) => ({ value: value.toString(), assetCode: w.assetCode, assetScale: w.assetScale })
const pow10 = (n) => 10n ** BigInt(n)

function convert(value, from, to) {
  // value in minor units of `from` -> floor in minor units of `to`
  const num = value * ASSETS[from.assetCode].rate * pow10(to.assetScale)
  const den = ASSETS[to.assetCode].rate * pow10(from.assetScale)
  return num / den
}
function convertCeil(value, from, to) {
  const num = value * ASSETS[from.assetCode].rate * pow10(to.assetScale)
  const den = ASSETS[to.assetCode].rate * pow10(from.assetScale)
  return (num + den - 1n) / den
}
const feeFor = (sent) => (sent * FEE_PERCENT + 99n) / 100n + FEE_FIXED
// largest `sent` with sent + fee(sent) <= debit
function sentForDebit(debit) {
  if (debit <= FEE_FIXED) return 0n
  let s = ((debit - FEE_FIXED) * 100n) / (100n + FEE_PERCENT)
  while (s > 0n && s + feeFor(s) > debit) s--
  while (s + 1n + feeFor(s + 1n) <= debit) s++
  return s
}

function parseUint64(s) {
  if (typeof s !== 'string' || !/^(0|[1-9][0-9]*)$/.test(s)) return null
  const v = BigInt(s)
  return v <= 0xffffffffffffffffn ? v : null
}

function parseDurationMs(d) {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(d)
  if (!m) return null
  const [, y, mo, w, dd, h, mi, s] = m.map((x) => (x === undefined ? 0 : Number(x)))
  return ((((y * 365 + mo * 30 + w * 7 + dd) * 24 + h) * 60 + mi) * 60 + s) * 1000
}
// "R[n]/<start>/<duration>" -> { start, end } of the window containing now, or
// { future: true } if now is before start, or { over: true } after the last one.
function intervalWindow(interval, now) {
  const parts = interval.split('/')
  if (parts.length !== 3 || !/^R\d*$/.test(parts[0])) return null
  const start = Date.parse(parts[1])
  const dur = parseDurationMs(parts[2])
  if (Number.isNaN(start) || !dur) return null
  if (now < start) return { future: true }
  const k = Math.floor((now - start) / dur)
  const reps = parts[0].length > 1 ? Number(parts[0].slice(1)) : Infinity
  if (k > reps) return { over: true }
  return { start: start + k * dur, end: start + (k + 1) * dur }
}

function acceptsJson(req) {
  const a = req.headers.accept
  if (!a) return true
  return /application\/json|application\/\*|\*\/\*/.test(a)
}

function html(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

// ------------------------------------------------------------------ state --
function freshState() {
  const wallets = new Map()
  for (const w of WALLETS) wallets.set(w.name, { ...w, keys: [] })
  return {
    wallets,
    grants: new Map(), // id -> grant
    tokens: new Map(), // manageId -> token
    interactions: new Map(), // id -> grant id
    incoming: new Map(),
    quotes: new Map(),
    outgoing: new Map(),
    failures: [],
    faults: [],
    clockOffsetMs: 0
  }
}

// ----------------------------------------------------------------- server --
export async function startSandbox(options = {}) {
  const opts = { port: 0, host: '127.0.0.1', wait: 5, tokenTtl: 600, quoteTtl: 300, settleMs: [0, 0], quiet: true, listAllInteraction: true, ...options }
  if (typeof opts.settleMs === 'number' || typeof opts.settleMs === 'string') opts.settleMs = parseSettle(opts.settleMs)
  const validators = await loadSpecs()
  let S = freshState()
  let base = ''
  const now = () => Date.now() + S.clockOffsetMs
  const iso = (ms) => new Date(ms).toISOString()
  const log = (...a) => {
    if (!opts.quiet) process.stderr.write(`[op-sandbox] ${a.join(' ')}\n`)
  }

  function recordFailure(kind, req, message, extra = {}) {
    const f = { kind, method: req.method, path: req.url, message, at: new Date().toISOString(), ...extra }
    S.failures.push(f)
    log(`FAILURE ${kind} ${req.method} ${req.url}: ${message}`)
  }

  const walletUrl = (name) => `${base}/${name}`
  const walletByUrl = (u) => {
    if (typeof u !== 'string' || !u.startsWith(base + '/')) return null
    const name = u.slice(base.length + 1)
    const w = S.wallets.get(name)
    return w && walletUrl(w.name) === u ? w : null
  }
  const walletDoc = (w) => ({
    id: walletUrl(w.name),
    ...(w.publicName ? { publicName: w.publicName } : {}),
    assetCode: w.assetCode,
    assetScale: w.assetScale,
    authServer: `${base}/auth`,
    resourceServer: `${base}/rs`
  })

  // ---------------------------------------------------- signature check --
  // Like Rafiki: the digest is verified against JSON.stringify(parsed body);
  // @target-uri is the URL of the request as received: the scheme of the
  // connection (plain http here, even though ids are published as https), the
  // Host header, the path and the query. A client that signs the published
  // https URL while speaking http is refused, as Rafiki refuses it.
  const receivedUrl = (req) => `${req.socket.encrypted ? 'https' : 'http'}://${req.headers.host}${req.url}`
  async function verifySignature(ctx, clientUrl, side) {
    const { req } = ctx
    const fail = (status, msgAs, msgRs) => {
      recordFailure('signature', req, side === 'as' ? msgAs : msgRs, { client: clientUrl, url: receivedUrl(req) })
      if (side === 'as') {
        const code = 'invalid_client'
        return gnapError(status, code, msgAs)
      }
      return rsError(401, `Signature validation error: ${msgRs}`)
    }
    const w = walletByUrl(clientUrl)
    if (!w) throw fail(400, 'could not determine client', 'could not find client wallet address')
    const body = ctx.parsedBody !== undefined ? JSON.stringify(ctx.parsedBody) : undefined
    const signed = {
      method: req.method.toUpperCase(),
      url: receivedUrl(req),
      headers: req.headers,
      body
    }
    let headersOk
    try {
      headersOk = validateSignatureHeaders(signed)
    } catch (e) {
      headersOk = false
    }
    if (!headersOk) {
      throw fail(401, 'invalid signature headers', 'invalid signature headers')
    }
    const sigInput = req.headers['signature-input']
    const kid = getKeyId(sigInput)
    const jwk = w.keys.find((k) => k.kid === kid)
    if (!jwk) {
      if (side === 'as') throw fail(400, 'could not determine client', '')
      throw fail(401, '', 'could not find key in list of client keys')
    }
    let valid = false
    try {
      valid = await validateSignature(jwk, signed)
    } catch (e) {
      valid = false
    }
    if (valid) {
      if (ctx.rawBody && ctx.parsedBody !== undefined && ctx.rawBody !== JSON.stringify(ctx.parsedBody)) {
        recordFailure('non-canonical-json', req, 'body bytes differ from JSON.stringify(JSON.parse(body)); the reference verifies the digest against the latter')
      }
      return w
    }
    throw fail(401, 'invalid signature', 'invalid signature')
  }

  // ---------------------------------------------------- token checks -----
  function tokenFromAuth(req) {
    const a = req.headers.authorization
    if (!a || !a.startsWith('GNAP ')) return null
    return a.slice(5)
  }
  const wwwAuth = () => ({ 'WWW-Authenticate': `GNAP as_uri=${base}/auth` })

  function findToken(value) {
    for (const t of S.tokens.values()) if (t.value === value) return t
    return null
  }

  const actionCovers = (granted, wanted) =>
    granted.includes(wanted) ||
    (wanted === 'read' && granted.includes('read-all')) ||
    (wanted === 'list' && granted.includes('list-all'))

  // RS auth: token (type/action/identifier), then signature by the grant's client.
  async function rsAuth(ctx, type, action, walletAddressUrl) {
    const value = tokenFromAuth(ctx.req)
    if (!value) throw rsError(401, 'Unauthorized', undefined, wwwAuth())
    const tok = findToken(value)
    if (!tok) throw rsError(401, 'Invalid Token', undefined, wwwAuth())
    const grant = S.grants.get(tok.grantId)
    if (tok.revoked || !grant || grant.state !== 'approved' || tok.expiresAt <= now()) {
      throw rsError(403, 'Inactive Token', undefined, wwwAuth())
    }
    const item = grant.access.find(
      (a) =>
        a.type === type &&
        (action === null || actionCovers(a.actions, action)) &&
        (!a.identifier || !walletAddressUrl || a.identifier === walletAddressUrl)
    )
    if (!item) throw rsError(403, 'Insufficient Grant', undefined, wwwAuth())
    await verifySignature(ctx, grant.client, 'rs')
    const all = action && item.actions.includes(action.startsWith('list') ? 'list-all' : 'read-all')
    return { tok, grant, item, all }
  }

  // ------------------------------------------------------------ faults ----
  async function applyFault(req, res) {
    const idx = S.faults.findIndex((f) => req.url.includes(f.match) && f.times > 0)
    if (idx < 0) return false
    const f = S.faults[idx]
    f.times--
    if (f.times <= 0) S.faults.splice(idx, 1)
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs))
    if (f.status === undefined && f.body === undefined && !f.repeatBytes) return false
    const status = f.status ?? 200
    let body = f.body ?? ''
    if (f.repeatBytes) {
      const unit = body.length ? body : 'x'
      body = unit.repeat(Math.ceil(f.repeatBytes / unit.length)).slice(0, f.repeatBytes)
    }
    res.writeHead(status, { 'Content-Type': f.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
    return true
  }

  // ------------------------------------------------------------ routing ---
  // Each route: [method, regex, spec|null, specPath, handler]
  const routes = []
  const route = (method, re, spec, specPath, handler) => routes.push({ method, re, spec, specPath, handler })

  // --- test hooks
  route('POST', /^\/_test\/keys$/, null, null, async (ctx) => {
    const { wallet, jwk } = ctx.parsedBody || {}
    const w = S.wallets.get(wallet)
    if (!w) throw new HttpError(404, { error: 'unknown wallet' })
    if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || typeof jwk.kid !== 'string') {
      throw new HttpError(400, { error: 'jwk must be an Ed25519 OKP JWK with kid and x' })
    }
    const key = { kid: jwk.kid, x: jwk.x, kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' }
    w.keys = w.keys.filter((k) => k.kid !== key.kid).concat([key])
    return [201, { wallet: walletUrl(w.name), keys: w.keys }]
  })
  route('DELETE', /^\/_test\/keys$/, null, null, async (ctx) => {
    const { wallet, kid } = ctx.parsedBody || {}
    const w = S.wallets.get(wallet)
    if (!w) throw new HttpError(404, { error: 'unknown wallet' })
    w.keys = kid ? w.keys.filter((k) => k.kid !== kid) : []
    return [200, { wallet: walletUrl(w.name), keys: w.keys }]
  })
  route('GET', /^\/_test\/interactions\/latest$/, null, null, async () => {
    const pending = [...S.interactions.entries()]
      .map(([iid, gid]) => ({ iid, g: S.grants.get(gid) }))
      .filter(({ g }) => g && g.state === 'pending')
      .sort((a, b) => b.g.createdAt - a.g.createdAt)
    return [200, {
      id: pending[0]?.iid ?? null,
      pending: pending.map(({ iid, g }) => ({ id: iid, nonce: g.interactNonce, redirect: g.interactRedirect, client: g.client, access: g.access }))
    }]
  })
  route('POST', /^\/_test\/interactions\/([^/]+)\/decision$/, null, null, async (ctx, m) => {
    const decision = (ctx.parsedBody || {}).decision
    if (!['accept', 'reject'].includes(decision)) throw new HttpError(400, { error: 'decision must be accept or reject' })
    return [200, { redirect: decide(m[1], decision) }]
  })
  route('GET', /^\/_test\/failures$/, null, null, async () => [200, { count: S.failures.length, failures: S.failures }])
  route('DELETE', /^\/_test\/failures$/, null, null, async () => {
    S.failures = []
    return [200, { count: 0, failures: [] }]
  })
  route('POST', /^\/_test\/reset$/, null, null, async (ctx) => {
    const keep = (ctx.parsedBody || {}).keepKeys
    const old = S.wallets
    S = freshState()
    if (keep) for (const [n, w] of old) S.wallets.get(n).keys = w.keys
    return [200, { reset: true }]
  })
  route('POST', /^\/_test\/faults$/, null, null, async (ctx) => {
    const f = ctx.parsedBody || {}
    if (typeof f.match !== 'string' || !f.match) throw new HttpError(400, { error: 'match (string) required' })
    S.faults.push({ match: f.match, delayMs: f.delayMs ?? 0, status: f.status, body: f.body, repeatBytes: f.repeatBytes ?? 0, contentType: f.contentType, times: f.times ?? 1 })
    return [201, { faults: S.faults }]
  })
  route('DELETE', /^\/_test\/faults$/, null, null, async () => {
    S.faults = []
    return [200, { faults: [] }]
  })
  route('GET', /^\/_test\/state$/, null, null, async () => [200, stateDump()])
  route('POST', /^\/_test\/clock$/, null, null, async (ctx) => {
    const s = Number((ctx.parsedBody || {}).advanceSeconds)
    if (!Number.isFinite(s) || s < 0) throw new HttpError(400, { error: 'advanceSeconds >= 0 required' })
    S.clockOffsetMs += s * 1000
    return [200, { now: iso(now()), offsetSeconds: S.clockOffsetMs / 1000 }]
  })
  // Spending under a grant done elsewhere (another device of the same viewer), now: counts toward
  // the grant's limits in the current interval window, as the grant's own payments do.
  route('POST', /^\/_test\/grants\/spend$/, null, null, async (ctx) => {
    const { grant: id, debit, receive } = ctx.parsedBody || {}
    const g = S.grants.get(id)
    const d = parseUint64(String(debit ?? '0'))
    const r = parseUint64(String(receive ?? '0'))
    if (!g || d === null || r === null) throw new HttpError(400, { error: 'grant (id) and debit/receive (minor units) required' })
    g.spent.push({ at: now(), debit: d, receive: r })
    return [200, { grant: id, spent: g.spent.length }]
  })
  // An incoming payment created by another client (e.g. a Web Monetization agent), and money
  // arriving on it from another wallet (balances move like a settled payment, no fee).
  route('POST', /^\/_test\/incoming-payments$/, null, null, async (ctx) => {
    const { wallet, client, metadata } = ctx.parsedBody || {}
    const w = S.wallets.get(wallet)
    if (!w || typeof client !== 'string') throw new HttpError(400, { error: 'wallet (name) and client (wallet address URL) required' })
    const ip = {
      id: uuid(), wallet: w.name, incomingAmount: undefined, received: 0n, completed: false,
      expiresAt: now() + INCOMING_MAX_EXPIRY_MS, metadata, createdAt: now(), updatedAt: now(),
      secret: crypto.randomBytes(32).toString('base64url'), client
    }
    S.incoming.set(ip.id, ip)
    return [201, ipFull(ip)]
  })
  route('POST', /^\/_test\/incoming-payments\/([^/]+)\/pay$/, null, null, async (ctx, m) => {
    const ip = S.incoming.get(m[1])
    const { from, receive } = ctx.parsedBody || {}
    const sw = S.wallets.get(from)
    const v = parseUint64(String(receive))
    if (!ip || !sw || v === null || v === 0n) throw new HttpError(400, { error: 'known incoming payment, from (wallet name) and receive (minor units) required' })
    const rw = S.wallets.get(ip.wallet)
    const debit = convertCeil(v, rw, sw)
    if (sw.balance < debit) throw new HttpError(400, { error: 'balance too low' })
    sw.balance -= debit
    rw.balance += v
    ip.received += v
    ip.updatedAt = now()
    return [200, ipFull(ip)]
  })
  route('POST', /^\/_test\/balance$/, null, null, async (ctx) => {
    const { wallet, balance } = ctx.parsedBody || {}
    const w = S.wallets.get(wallet)
    const v = parseUint64(String(balance))
    if (!w || v === null) throw new HttpError(400, { error: 'wallet and balance (minor units) required' })
    w.balance = v
    return [200, stateDump().wallets[wallet]]
  })

  function stateDump() {
    const wallets = {}
    for (const w of S.wallets.values()) {
      wallets[w.name] = { id: walletUrl(w.name), assetCode: w.assetCode, assetScale: w.assetScale, balance: w.balance.toString(), keys: w.keys.map((k) => k.kid) }
    }
    return {
      now: iso(now()),
      wallets,
      incomingPayments: [...S.incoming.values()].map(ipFull),
      quotes: [...S.quotes.values()].map(quoteDoc),
      outgoingPayments: [...S.outgoing.values()].map((o) => opDoc(o)),
      grants: [...S.grants.values()].map((g) => ({ id: g.id, state: g.state, client: g.client, access: g.access, interactive: !!g.interact, continues: g.continues || 0, tooFast: g.tooFast || 0 }))
    }
  }

  // --- wallet addresses
  route('GET', /^\/([a-z0-9_-]+)$/, 'wa', '/', async (ctx, m) => {
    const w = S.wallets.get(m[1])
    if (!w) throw rsError(404, 'Could not get wallet address', {})
    return [200, walletDoc(w)]
  })
  route('GET', /^\/([a-z0-9_-]+)\/jwks\.json$/, 'wa', '/jwks.json', async (ctx, m) => {
    const w = S.wallets.get(m[1])
    if (!w) throw rsError(404, 'Could not get wallet address', {})
    return [200, { keys: w.keys }]
  })

  // --- authorization server
  function tokenResponse(tok, grant) {
    return {
      value: tok.value,
      manage: `${base}/auth/token/${tok.manageId}`,
      expires_in: opts.tokenTtl,
      access: grant.access
    }
  }
  function issueToken(grant) {
    const tok = { manageId: uuid(), value: tokenValue(), grantId: grant.id, expiresAt: now() + opts.tokenTtl * 1000, revoked: false }
    S.tokens.set(tok.manageId, tok)
    return tok
  }
  const continueObj = (grant, withWait) => ({
    access_token: { value: grant.continueToken },
    uri: `${base}/auth/continue/${grant.id}`,
    ...(withWait ? { wait: opts.wait } : {})
  })

  const grantHandler = async (ctx) => {
    const body = ctx.parsedBody
    let clientUrl = body.client
    if (clientUrl && typeof clientUrl === 'object') {
      if (clientUrl.walletAddress) clientUrl = clientUrl.walletAddress
      else throw gnapError(400, 'invalid_client', 'directed identity (client.jwk) is not supported by op-sandbox')
    }
    const clientWallet = walletByUrl(clientUrl)
    if (!clientWallet) throw gnapError(400, 'invalid_client', 'could not determine client')
    await verifySignature(ctx, clientUrl, 'as')
    const access = body.access_token.access
    // identifiers must name our wallets; outgoing-payment requires one
    for (const a of access) {
      if (a.type === 'outgoing-payment' && !a.identifier) throw gnapError(400, 'invalid_request', 'missing identifier')
      if (a.identifier && !walletByUrl(a.identifier)) throw gnapError(400, 'invalid_request', 'unknown identifier')
      if (a.limits && a.limits.debitAmount && a.limits.receiveAmount) {
        throw gnapError(400, 'invalid_request', 'only one of debitAmount or receiveAmount may be specified')
      }
    }
    // Rafiki's LIST_ALL_ACCESS_INTERACTION (default true): --list-all-interaction off grants list-all at once.
    const interactive = access.some((a) => a.type === 'outgoing-payment' || (opts.listAllInteraction && a.actions.includes('list-all')))
    const grant = {
      id: uuid(),
      client: clientUrl,
      access,
      continueToken: tokenValue(),
      createdAt: now(),
      lastContinuedAt: now(),
      state: 'approved',
      spent: []
    }
    if (!interactive) {
      S.grants.set(grant.id, grant)
      const tok = issueToken(grant)
      return [200, { access_token: tokenResponse(tok, grant), continue: continueObj(grant, false) }]
    }
    if (!body.interact) throw gnapError(400, 'invalid_request', "missing required request field 'interact'")
    if (!clientWallet.publicName) throw gnapError(400, 'invalid_client', "missing required request field 'client'")
    if (!body.interact.start.includes('redirect')) throw gnapError(400, 'invalid_request', 'only interact.start "redirect" is supported')
    if (!body.interact.finish || body.interact.finish.method !== 'redirect') {
      throw gnapError(400, 'invalid_request', 'op-sandbox requires interact.finish with method "redirect"')
    }
    grant.state = 'pending'
    grant.interact = body.interact
    grant.interactId = uuid()
    grant.interactNonce = crypto.randomBytes(8).toString('hex').toUpperCase()
    grant.interactFinish = crypto.randomBytes(8).toString('hex').toUpperCase()
    const qs = new URLSearchParams({ clientName: clientWallet.publicName, clientUri: clientUrl })
    grant.interactRedirect = `${base}/interact/${grant.interactId}/${grant.interactNonce}?${qs}`
    S.grants.set(grant.id, grant)
    S.interactions.set(grant.interactId, grant.id)
    return [200, { interact: { redirect: grant.interactRedirect, finish: grant.interactFinish }, continue: continueObj(grant, true) }]
  }
  route('POST', /^\/auth\/?$/, 'as', '/', grantHandler)

  function continueGrant(ctx, id) {
    const grant = S.grants.get(id)
    const value = tokenFromAuth(ctx.req)
    if (!value) throw gnapError(401, 'invalid_client', 'invalid signature headers')
    if (!grant || grant.continueToken !== value || grant.state === 'revoked') {
      throw gnapError(401, 'invalid_continuation', 'invalid grant')
    }
    return grant
  }

  route('POST', /^\/auth\/continue\/([^/]+)$/, 'as', '/continue/{id}', async (ctx, m) => {
    const grant = continueGrant(ctx, m[1])
    await verifySignature(ctx, grant.client, 'as')
    const ref = ctx.parsedBody?.interact_ref
    if (!ref) {
      // GNAP polling (RFC 9635 5.2): a grant still waiting for the client's continue answers with
      // a new continuation and no token; a rejected or finished one is denied. (Rafiki denies
      // every poll of a grant with a finish method.) Polling does not restart the wait.
      if (grant.state === 'pending' || grant.state === 'decided-approved') return [200, { continue: continueObj(grant, true) }]
      if (grant.state === 'rejected') throw gnapError(401, 'request_denied', 'grant was rejected')
      throw gnapError(401, 'request_denied', 'grant cannot be polled')
    }
    if (grant.state === 'approved') throw gnapError(401, 'request_denied', 'grant interaction not approved')
    grant.continues = (grant.continues || 0) + 1
    if (grant.lastContinuedAt + opts.wait * 1000 > now()) {
      grant.tooFast = (grant.tooFast || 0) + 1
      throw gnapError(400, 'too_fast', 'continued grant faster than "wait" period')
    }
    grant.lastContinuedAt = now()
    if (grant.state === 'rejected' || grant.interactRef !== ref) throw gnapError(404, 'invalid_continuation', 'grant not found')
    if (grant.state !== 'decided-approved') throw gnapError(401, 'request_denied', 'grant interaction not approved')
    grant.state = 'approved'
    const tok = issueToken(grant)
    return [200, { access_token: tokenResponse(tok, grant), continue: continueObj(grant, false) }]
  })
  route('DELETE', /^\/auth\/continue\/([^/]+)$/, 'as', '/continue/{id}', async (ctx, m) => {
    const grant = continueGrant(ctx, m[1])
    await verifySignature(ctx, grant.client, 'as')
    grant.state = 'revoked'
    for (const t of S.tokens.values()) if (t.grantId === grant.id) t.revoked = true
    return [204, null]
  })

  function manageToken(ctx, id) {
    const tok = S.tokens.get(id)
    const value = tokenFromAuth(ctx.req)
    if (!value) throw gnapError(401, 'invalid_client', 'invalid signature headers')
    if (!tok || tok.value !== value || tok.revoked) throw gnapError(401, 'invalid_client', 'invalid access token')
    const grant = S.grants.get(tok.grantId)
    if (!grant || grant.state === 'revoked') throw gnapError(401, 'invalid_client', 'invalid access token')
    return { tok, grant }
  }
  route('POST', /^\/auth\/token\/([^/]+)$/, 'as', '/token/{id}', async (ctx, m) => {
    const { tok, grant } = manageToken(ctx, m[1])
    await verifySignature(ctx, grant.client, 'as')
    tok.revoked = true // kept so the RS answers 403 Inactive Token like Rafiki
    const fresh = issueToken(grant)
    return [200, { access_token: tokenResponse(fresh, grant) }]
  })
  route('DELETE', /^\/auth\/token\/([^/]+)$/, 'as', '/token/{id}', async (ctx, m) => {
    const { tok, grant } = manageToken(ctx, m[1])
    await verifySignature(ctx, grant.client, 'as')
    tok.revoked = true
    return [204, null]
  })

  // --- interaction (consent)
  function grantForInteraction(id, nonce) {
    const gid = S.interactions.get(id)
    const grant = gid && S.grants.get(gid)
    if (!grant || (nonce !== undefined && grant.interactNonce !== nonce)) return null
    return grant
  }
  function finishUrl(grant, params) {
    const u = new URL(grant.interact.finish.uri)
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v)
    return u.toString()
  }
  function decide(interactionId, decision) {
    const grant = grantForInteraction(interactionId)
    if (!grant) throw new HttpError(404, { error: { code: 'unknown_interaction', description: 'unknown interaction' } })
    if (grant.state === 'revoked') return finishUrl(grant, { result: 'unknown_interaction', message: 'unknown interaction' })
    if (grant.state !== 'pending') throw new HttpError(400, { error: { code: 'invalid_interaction', description: `interaction already decided (${grant.state})` } })
    if (grant.createdAt + INTERACTION_TTL_MS < now()) {
      grant.state = 'expired'
      return finishUrl(grant, { result: 'invalid_interaction', message: 'interaction expired' })
    }
    if (decision === 'reject') {
      grant.state = 'rejected'
      return finishUrl(grant, { result: 'grant_rejected' })
    }
    grant.state = 'decided-approved'
    grant.interactRef = uuid()
    const hashInput = [grant.interact.finish.nonce, grant.interactFinish, grant.interactRef, `${base}/auth`].join('\n')
    const hash = crypto.createHash('sha256').update(hashInput).digest('base64')
    return finishUrl(grant, { hash, interact_ref: grant.interactRef })
  }

  route('GET', /^\/interact\/([^/]+)\/([^/?]+)$/, null, null, async (ctx, m) => {
    const grant = grantForInteraction(m[1], m[2])
    if (!grant) throw new HttpError(404, 'unknown interaction', { 'Content-Type': 'text/plain' })
    const rows = grant.access
      .map((a) => {
        const lim = a.limits || {}
        const fmt = (x) => (x ? `${(Number(x.value) / 10 ** x.assetScale).toFixed(x.assetScale)} ${x.assetCode} (${x.value} minor units)` : '')
        return `<tr><td>${html(a.type)}</td><td>${html(a.actions.join(', '))}</td><td>${html(a.identifier || '')}</td>` +
          `<td id="debit">${html(fmt(lim.debitAmount))}</td><td id="receive">${html(fmt(lim.receiveAmount))}</td>` +
          `<td id="receiver">${html(lim.receiver || '')}</td><td>${html(lim.interval || '')}</td></tr>`
      })
      .join('\n')
    const clientW = walletByUrl(grant.client)
    const action = `/interact/${m[1]}/${m[2]}/decision`
    const page = `<!doctype html><html><head><meta charset="utf-8"><title>op-sandbox consent</title></head><body>
<h1>Grant request</h1>
<p id="client"><b>${html(clientW?.publicName || grant.client)}</b> (${html(grant.client)}) asks for access:</p>
<p id="state">state: ${html(grant.state)}</p>
<table border="1"><tr><th>type</th><th>actions</th><th>wallet</th><th>debit limit</th><th>receive limit</th><th>receiver</th><th>interval</th></tr>
${rows}</table>
<form method="post" action="${html(action)}"><input type="hidden" name="decision" value="accept"><button id="approve" type="submit">Approve</button></form>
<form method="post" action="${html(action)}"><input type="hidden" name="decision" value="reject"><button id="deny" type="submit">Deny</button></form>
</body></html>`
    return [200, page, { 'Content-Type': 'text/html; charset=utf-8' }]
  })
  route('POST', /^\/interact\/([^/]+)\/([^/]+)\/decision$/, null, null, async (ctx, m) => {
    if (!grantForInteraction(m[1], m[2])) throw new HttpError(404, 'unknown interaction', { 'Content-Type': 'text/plain' })
    const form = new URLSearchParams(ctx.rawBody || '')
    const d = form.get('decision')
    if (!['accept', 'reject'].includes(d)) throw new HttpError(400, 'decision must be accept or reject')
    const to = decide(m[1], d)
    return [302, '', { Location: to, 'Content-Type': 'text/plain' }]
  })

  // --- resource server
  const ipUrl = (ip) => `${base}/rs/incoming-payments/${ip.id}`
  const quoteUrl = (q) => `${base}/rs/quotes/${q.id}`
  const opUrl = (o) => `${base}/rs/outgoing-payments/${o.id}`
  function ipFull(ip) {
    const w = S.wallets.get(ip.wallet)
    const completed = ip.completed || (ip.incomingAmount !== undefined && ip.received >= ip.incomingAmount)
    return {
      id: ipUrl(ip),
      walletAddress: walletUrl(w.name),
      ...(ip.incomingAmount !== undefined ? { incomingAmount: amt(ip.incomingAmount, w) } : {}),
      receivedAmount: amt(ip.received, w),
      completed,
      expiresAt: iso(ip.expiresAt),
      ...(ip.metadata ? { metadata: ip.metadata } : {}),
      createdAt: iso(ip.createdAt)
      // no updatedAt: the spec's incoming-payment (1.3.0) does not allow it (POST .../complete)
    }
  }
  const ipWithMethods = (ip) => ({
    ...ipFull(ip),
    methods: ipFull(ip).completed || ip.expiresAt <= now() ? [] : [{ type: 'ilp', ilpAddress: `test.op-sandbox.${ip.id}`, sharedSecret: ip.secret }]
  })
  function quoteDoc(q) {
    return {
      id: quoteUrl(q),
      walletAddress: walletUrl(q.wallet),
      receiver: q.receiver,
      debitAmount: amt(q.debit, S.wallets.get(q.wallet)),
      receiveAmount: amt(q.receive, S.wallets.get(q.receiverWallet)),
      method: 'ilp',
      createdAt: iso(q.createdAt),
      expiresAt: iso(q.expiresAt)
    }
  }
  function opDoc(o, spent) {
    const sw = S.wallets.get(o.wallet)
    const rw = S.wallets.get(o.receiverWallet)
    return {
      id: opUrl(o),
      walletAddress: walletUrl(o.wallet),
      ...(o.quoteId ? { quoteId: o.quoteId } : {}),
      receiver: o.receiver,
      failed: o.failed,
      debitAmount: amt(o.debit, sw),
      receiveAmount: amt(o.receive, rw),
      sentAmount: amt(o.sent, sw),
      ...(spent ? spent : {}),
      ...(o.metadata ? { metadata: o.metadata } : {}),
      createdAt: iso(o.createdAt)
    }
  }

  function walletFromBody(ctx) {
    const w = walletByUrl(ctx.parsedBody.walletAddress)
    if (!w) throw rsError(404, 'unknown wallet address')
    return w
  }
  function checkAmountAsset(a, w, what) {
    const v = parseUint64(a.value)
    if (v === null || a.assetCode !== w.assetCode || a.assetScale !== w.assetScale) throw rsError(400, `invalid amount`, { field: what })
    return v
  }

  // incoming payments
  route('POST', /^\/rs\/incoming-payments$/, 'rs', '/incoming-payments', async (ctx) => {
    const body = ctx.parsedBody
    const w = walletByUrl(body.walletAddress)
    await rsAuth(ctx, 'incoming-payment', 'create', w ? walletUrl(w.name) : body.walletAddress)
    if (!w) throw rsError(404, 'unknown wallet address')
    let incomingAmount
    if (body.incomingAmount) {
      incomingAmount = checkAmountAsset(body.incomingAmount, w, 'incomingAmount')
      if (incomingAmount === 0n) throw rsError(400, 'invalid amount')
    }
    let expiresAt = now() + INCOMING_MAX_EXPIRY_MS
    if (body.expiresAt !== undefined) {
      expiresAt = Date.parse(body.expiresAt)
      if (Number.isNaN(expiresAt) || expiresAt <= now() || expiresAt > now() + INCOMING_MAX_EXPIRY_MS) throw rsError(400, 'invalid expiresAt')
    }
    const tok = findToken(tokenFromAuth(ctx.req))
    const ip = {
      id: uuid(), wallet: w.name, incomingAmount, received: 0n, completed: false, expiresAt,
      metadata: body.metadata, createdAt: now(), updatedAt: now(),
      secret: crypto.randomBytes(32).toString('base64url'), client: S.grants.get(tok.grantId).client
    }
    S.incoming.set(ip.id, ip)
    return [201, ipWithMethods(ip)]
  })
  route('GET', /^\/rs\/incoming-payments$/, 'rs', '/incoming-payments', async (ctx) => {
    const wa = ctx.query['wallet-address']
    const { grant, all } = await rsAuth(ctx, 'incoming-payment', 'list', wa)
    const items = [...S.incoming.values()].filter((ip) => walletUrl(ip.wallet) === wa && (all || ip.client === grant.client))
    return [200, paginate(items.map(ipFull), ctx.query)]
  })
  function paginate(items, q) {
    const first = Number(q.first ?? 10) || 10
    let startIdx = 0
    if (q.cursor) {
      const i = items.findIndex((x) => x.id.endsWith(q.cursor))
      startIdx = i >= 0 ? i + 1 : items.length
    }
    const page = items.slice(startIdx, startIdx + first)
    const idOf = (x) => (x ? x.id.split('/').pop() : undefined)
    return {
      pagination: {
        hasPreviousPage: startIdx > 0,
        hasNextPage: startIdx + first < items.length,
        ...(page.length ? { startCursor: idOf(page[0]), endCursor: idOf(page[page.length - 1]) } : {})
      },
      result: page
    }
  }
  route('GET', /^\/rs\/incoming-payments\/([^/]+)$/, 'rs', '/incoming-payments/{id}', async (ctx, m) => {
    const ip = S.incoming.get(m[1])
    if (!ctx.req.headers.authorization && !ctx.req.headers.signature) {
      if (!ip) throw rsError(404, 'Not Found')
      return [200, { receivedAmount: amt(ip.received, S.wallets.get(ip.wallet)), authServer: `${base}/auth` }]
    }
    const { grant, all } = await rsAuth(ctx, 'incoming-payment', 'read', ip ? walletUrl(ip.wallet) : null)
    if (!ip || (!all && ip.client !== grant.client)) throw rsError(404, 'Not Found')
    return [200, ipWithMethods(ip)]
  })
  route('POST', /^\/rs\/incoming-payments\/([^/]+)\/complete$/, 'rs', '/incoming-payments/{id}/complete', async (ctx, m) => {
    const ip = S.incoming.get(m[1])
    await rsAuth(ctx, 'incoming-payment', 'complete', ip ? walletUrl(ip.wallet) : null)
    if (!ip) throw rsError(404, 'Not Found')
    ip.completed = true
    ip.updatedAt = now()
    return [200, ipFull(ip)]
  })

  // quotes
  function resolveReceiver(receiver) {
    const prefix = `${base}/rs/incoming-payments/`
    const ip = typeof receiver === 'string' && receiver.startsWith(prefix) ? S.incoming.get(receiver.slice(prefix.length)) : null
    if (!ip || ipFull(ip).completed || ip.expiresAt <= now()) throw rsError(400, 'invalid receiver')
    return ip
  }
  function price(sender, ip, { debitAmount, receiveAmount }) {
    const rw = S.wallets.get(ip.wallet)
    let debit, receive
    if (debitAmount) {
      debit = checkAmountAsset(debitAmount, sender, 'debitAmount')
      const sent = sentForDebit(debit)
      receive = convert(sent, sender, rw)
    } else {
      receive = receiveAmount
        ? checkAmountAsset(receiveAmount, rw, 'receiveAmount')
        : ip.incomingAmount !== undefined ? ip.incomingAmount - ip.received : null
      if (receive === null) throw rsError(400, 'invalid amount', { reason: 'no amount given and the incoming payment has no incomingAmount' })
      if (ip.incomingAmount !== undefined && receive > ip.incomingAmount - ip.received) throw rsError(400, 'invalid amount', { reason: 'receiveAmount exceeds the remaining incomingAmount' })
      const sent = convertCeil(receive, rw, sender)
      debit = sent + feeFor(sent)
    }
    if (receive <= 0n) {
      // smallest debit that delivers 1 minor unit
      const minSent = convertCeil(1n, rw, sender)
      throw rsError(400, 'non-positive receive amount', { minSendAmount: amt(minSent + feeFor(minSent), sender) })
    }
    return { debit, receive, rw }
  }
  route('POST', /^\/rs\/quotes$/, 'rs', '/quotes', async (ctx) => {
    const body = ctx.parsedBody
    const w = walletByUrl(body.walletAddress)
    await rsAuth(ctx, 'quote', 'create', w ? walletUrl(w.name) : body.walletAddress)
    if (!w) throw rsError(404, 'unknown wallet address')
    if (body.debitAmount && body.receiveAmount) throw rsError(400, 'invalid amount', { reason: 'both debitAmount and receiveAmount' })
    const ip = resolveReceiver(body.receiver)
    const { debit, receive, rw } = price(w, ip, body)
    const tok = findToken(tokenFromAuth(ctx.req))
    const q = {
      id: uuid(), wallet: w.name, receiver: body.receiver, receiverWallet: rw.name, debit, receive,
      createdAt: now(), expiresAt: now() + opts.quoteTtl * 1000, used: false, client: S.grants.get(tok.grantId).client
    }
    S.quotes.set(q.id, q)
    return [201, quoteDoc(q)]
  })
  route('GET', /^\/rs\/quotes\/([^/]+)$/, 'rs', '/quotes/{id}', async (ctx, m) => {
    const q = S.quotes.get(m[1])
    const { grant, all } = await rsAuth(ctx, 'quote', 'read', q ? walletUrl(q.wallet) : null)
    if (!q || (!all && q.client !== grant.client)) throw rsError(404, 'Not Found')
    return [200, quoteDoc(q)]
  })

  // outgoing payments
  function grantSpent(grant, limits) {
    let from = -Infinity, to = Infinity
    if (limits?.interval) {
      const win = intervalWindow(limits.interval, now())
      if (!win || win.future || win.over) return null
      from = win.start
      to = win.end
    }
    let debit = 0n, receive = 0n
    for (const o of S.outgoing.values()) {
      if (o.grantId === grant.id && !o.failed && o.createdAt >= from && o.createdAt < to) {
        debit += o.debit
        receive += o.receive
      }
    }
    for (const x of grant.spent || []) {  // /_test/grants/spend: spending done elsewhere, at x.at
      if (x.at >= from && x.at < to) {
        debit += x.debit
        receive += x.receive
      }
    }
    return { debit, receive }
  }
  route('POST', /^\/rs\/outgoing-payments$/, 'rs', '/outgoing-payments', async (ctx) => {
    const body = ctx.parsedBody
    const w = walletByUrl(body.walletAddress)
    const { grant, item } = await rsAuth(ctx, 'outgoing-payment', 'create', w ? walletUrl(w.name) : body.walletAddress)
    if (!w) throw rsError(404, 'unknown wallet address')
    let debit, receive, receiver, rwName, quoteId
    if (body.quoteId) {
      if (body.debitAmount || body.incomingPayment) throw rsError(400, 'invalid request', { reason: 'quoteId with incomingPayment/debitAmount' })
      const prefix = `${base}/rs/quotes/`
      const q = body.quoteId.startsWith(prefix) ? S.quotes.get(body.quoteId.slice(prefix.length)) : null
      if (!q || q.wallet !== w.name || q.used || q.expiresAt <= now()) throw rsError(400, 'invalid quote')
      resolveReceiver(q.receiver) // receiver must still be active
      debit = q.debit; receive = q.receive; receiver = q.receiver; rwName = q.receiverWallet; quoteId = body.quoteId
      q.used = true
    } else {
      if (!body.incomingPayment || !body.debitAmount) throw rsError(400, 'invalid request')
      const ip = resolveReceiver(body.incomingPayment)
      const p = price(w, ip, { debitAmount: body.debitAmount })
      debit = p.debit; receive = p.receive; receiver = body.incomingPayment; rwName = p.rw.name
    }
    // grant limits (per interval when given)
    const limits = item.limits
    let spent = grantSpent(grant, limits)
    if (limits) {
      if (spent === null) throw rsError(403, 'unauthorized', { reason: 'outside the grant interval' })
      if (limits.receiver && limits.receiver !== receiver) throw rsError(403, 'unauthorized', { reason: 'receiver does not match grant limit' })
      if (limits.debitAmount) {
        if (limits.debitAmount.assetCode !== w.assetCode || limits.debitAmount.assetScale !== w.assetScale) throw rsError(403, 'unauthorized', { reason: 'limit asset mismatch' })
        if (spent.debit + debit > BigInt(limits.debitAmount.value)) throw rsError(403, 'unauthorized', { reason: 'debitAmount limit exceeded' })
      }
      if (limits.receiveAmount) {
        const rw = S.wallets.get(rwName)
        if (limits.receiveAmount.assetCode !== rw.assetCode || limits.receiveAmount.assetScale !== rw.assetScale) throw rsError(403, 'unauthorized', { reason: 'limit asset mismatch' })
        if (spent.receive + receive > BigInt(limits.receiveAmount.value)) throw rsError(403, 'unauthorized', { reason: 'receiveAmount limit exceeded' })
      }
    }
    const o = {
      id: quoteId ? quoteId.split('/').pop() : uuid(), wallet: w.name, quoteId, receiver, receiverWallet: rwName,
      debit, receive, sent: 0n, failed: false, metadata: body.metadata, createdAt: now(), updatedAt: now(),
      grantId: grant.id, client: grant.client
    }
    // Settlement: at once by default; with --settle-ms after a delay, like Rafiki's payment
    // engine (the create answer then shows sentAmount 0 and failed false).
    const settle = () => {
      if (w.balance < debit) {
        o.failed = true
      } else {
        const prefix = `${base}/rs/incoming-payments/`
        const ip = S.incoming.get(receiver.slice(prefix.length))
        w.balance -= debit
        S.wallets.get(rwName).balance += receive
        ip.received += receive
        ip.updatedAt = now()
        o.sent = sentForDebit(debit) // excludes the sender's fee, as on Rafiki
      }
      o.updatedAt = now()
    }
    const [lo, hi] = opts.settleMs
    if (hi <= 0) settle()
    else {
      const state = S
      setTimeout(() => { if (S === state) settle() }, lo + Math.floor(Math.random() * (hi - lo + 1)))
    }
    S.outgoing.set(o.id, o)
    spent = grantSpent(grant, limits) || { debit: 0n, receive: 0n }
    return [201, opDoc(o, {
      grantSpentDebitAmount: amt(spent.debit, w),
      grantSpentReceiveAmount: amt(spent.receive, S.wallets.get(rwName))
    })]
  })
  route('GET', /^\/rs\/outgoing-payments$/, 'rs', '/outgoing-payments', async (ctx) => {
    const wa = ctx.query['wallet-address']
    const { grant, all } = await rsAuth(ctx, 'outgoing-payment', 'list', wa)
    const items = [...S.outgoing.values()].filter((o) => walletUrl(o.wallet) === wa && (all || o.client === grant.client))
    return [200, paginate(items.map((o) => opDoc(o)), ctx.query)]
  })
  route('GET', /^\/rs\/outgoing-payments\/([^/]+)$/, 'rs', '/outgoing-payments/{id}', async (ctx, m) => {
    const o = S.outgoing.get(m[1])
    const { grant, all } = await rsAuth(ctx, 'outgoing-payment', 'read', o ? walletUrl(o.wallet) : null)
    if (!o || (!all && o.client !== grant.client)) throw rsError(404, 'Not Found')
    return [200, opDoc(o)]
  })
  route('GET', /^\/rs\/outgoing-payment-grant$/, 'rs', '/outgoing-payment-grant', async (ctx) => {
    const { grant, item } = await rsAuth(ctx, 'outgoing-payment', null, null)
    const spent = grantSpent(grant, item.limits) || { debit: 0n, receive: 0n }
    const lim = item.limits || {}
    const sw = walletByUrl(item.identifier)
    const dAsset = lim.debitAmount || (sw && amt(0n, sw))
    const rAsset = lim.receiveAmount
    return [200, {
      spentDebitAmount: dAsset ? { value: spent.debit.toString(), assetCode: dAsset.assetCode, assetScale: dAsset.assetScale } : null,
      spentReceiveAmount: rAsset ? { value: spent.receive.toString(), assetCode: rAsset.assetCode, assetScale: rAsset.assetScale } : null
    }]
  })

  // ------------------------------------------------------------ dispatch --
  function send(res, status, body, headers = {}) {
    let text = ''
    const h = { ...headers }
    if (body !== null && body !== undefined) {
      if (typeof body === 'string') text = body
      else {
        text = JSON.stringify(body)
        if (!h['Content-Type']) h['Content-Type'] = 'application/json'
      }
    }
    if (status !== 204 && status !== 304) h['Content-Length'] = Buffer.byteLength(text)
    res.writeHead(status, h)
    res.end(status === 204 ? undefined : text)
  }

  async function handle(req, res) {
    const chunks = []
    for await (const c of req) chunks.push(c)
    const rawBody = Buffer.concat(chunks).toString('utf8')
    const u = new URL(req.url, 'http://x')
    const ctx = { req, rawBody, query: Object.fromEntries(u.searchParams), parsedBody: undefined }
    const isTest = u.pathname.startsWith('/_test/')
    // --latency-ms: a remote wallet's round trip (benchmarks), on every Open Payments request.
    if (!isTest && opts.latencyMs) await new Promise((resolve) => setTimeout(resolve, opts.latencyMs))
    if (!isTest && (await applyFault(req, res))) return

    const r = routes.find((x) => x.method === req.method && x.re.test(u.pathname))
    if (!r) {
      const known = routes.some((x) => x.re.test(u.pathname))
      return send(res, known ? 405 : 404, { error: { code: known ? '405' : '404', description: known ? 'Method Not Allowed' : 'Not Found' } })
    }
    const m = u.pathname.match(r.re)
    let v = null
    try {
      const ct = req.headers['content-type'] || ''
      if (rawBody.length && ct.includes('application/json')) {
        try {
          ctx.parsedBody = JSON.parse(rawBody)
        } catch (e) {
          if (r.spec) recordFailure('request-validation', req, `body is not valid JSON: ${e.message}`)
          throw new HttpError(400, { error: { description: `Received error validating OpenAPI request: body is not valid JSON` } }, {}, true)
        }
      }
      if (r.spec) {
        v = validators(r.spec, r.specPath, HttpMethod[req.method])
        if (!acceptsJson(req)) {
          recordFailure('request-validation', req, 'Must accept application/json')
          throw new HttpError(406, { error: { description: 'Received error validating OpenAPI request: Must accept application/json' } }, {}, true)
        }
        if (rawBody.length && ['POST', 'PUT', 'PATCH'].includes(req.method) && !ct.startsWith('application/json')) {
          recordFailure('request-validation', req, `unsupported Content-Type ${ct}`)
          throw new HttpError(415, { error: { description: 'Received error validating OpenAPI request: Unsupported Content-Type' } }, {}, true)
        }
        const params = {}
        if (r.specPath.includes('{id}')) params.id = m[m.length - 1]
        const vreq = { headers: req.headers, body: ctx.parsedBody ?? {}, query: { ...ctx.query }, params }
        if (ctx.parsedBody === undefined && !['POST', 'PUT', 'PATCH'].includes(req.method)) delete vreq.body
        try {
          v.request(vreq)
        } catch (err) {
          const msg = err?.errors?.[0]?.message ?? String(err?.message ?? err)
          recordFailure('request-validation', req, msg, { errors: err?.errors })
          const he = new HttpError(err?.status || 400, { error: { description: `Received error validating OpenAPI request: ${msg}` } })
          he.fromValidator = true
          throw he
        }
        ctx.query = vreq.query
      } else if (rawBody.length && ct.includes('application/json') && ctx.parsedBody === undefined) {
        throw new HttpError(400, { error: 'invalid JSON' })
      }
      if (r.spec === null && u.pathname.startsWith('/_test/') && rawBody.length && ctx.parsedBody === undefined) {
        ctx.parsedBody = JSON.parse(rawBody)
      }
      const [status, body, headers] = await r.handler(ctx, m)
      if (v) {
        try {
          v.response({ status, body: body ?? undefined })
        } catch (err) {
          const msg = err?.errors?.[0]?.message ?? String(err?.message ?? err)
          recordFailure('response-validation', req, msg, { status, errors: err?.errors })
          return send(res, 500, { error: { code: '500', description: `Received error validating OpenAPI response: ${msg}` } })
        }
      }
      return send(res, status, body, headers)
    } catch (err) {
      if (!(err instanceof HttpError)) {
        log(`ERROR ${req.method} ${req.url}: ${err?.stack || err}`)
        recordFailure('internal', req, String(err?.message ?? err))
        return send(res, 500, { error: { code: '500', description: 'Internal Server Error' } })
      }
      // error bodies are checked against the spec too when it declares that status
      if (v && !err.fromValidator && v.declared.includes(String(err.status)) && typeof err.body === 'object') {
        try {
          v.response({ status: err.status, body: err.body })
        } catch (e2) {
          const msg = e2?.errors?.[0]?.message ?? String(e2?.message ?? e2)
          recordFailure('response-validation', req, msg, { status: err.status })
        }
      }
      return send(res, err.status, err.body, err.headers)
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      log(`FATAL ${e?.stack || e}`)
      try { send(res, 500, { error: { code: '500', description: 'Internal Server Error' } }) } catch {}
    })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, resolve)
  })
  const port = server.address().port
  const hostForUrl = opts.host === '::1' ? '[::1]' : opts.host === 'localhost' ? '127.0.0.1' : opts.host
  base = `https://${hostForUrl}:${port}`
  return {
    port,
    base,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()) })
  }
}

// -------------------------------------------------------------------- main --
const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`op-sandbox: ${e.message}\n`)
    process.exit(2)
  }
  let sb
  try {
    sb = await startSandbox(opts)
  } catch (e) {
    process.stderr.write(`op-sandbox: cannot start: ${e.message}\n`)
    process.exit(1)
  }
  process.stdout.write(JSON.stringify({ ready: true, port: sb.port, base: sb.base }) + '\n')
  const stop = async () => {
    await sb.close()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
