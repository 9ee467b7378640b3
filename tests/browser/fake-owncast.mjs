// A fake Owncast 0.2.x for the browser tests, in Node: a real HTTP server on 127.0.0.1 (free port)
// imitating the parts of Owncast the sidecar talks to (docs/owncast.md: webhooks and the admin API):
//
//   public            GET  /api/status, GET /api/config
//   admin (Basic      GET  /api/admin/webhooks            POST /api/admin/webhooks/create {url,events}
//   admin:<password>) POST /api/admin/webhooks/delete {id}
//                     GET  /api/admin/accesstokens        POST /api/admin/accesstokens/create {name,scopes}
//                     POST /api/admin/accesstokens/delete {token}
//                     GET  /api/admin/serverconfig        POST /api/admin/config/externalactions {value:[...]}
//                     POST /api/admin/config/customjavascript {value}  (public: GET /customjavascript)
//   integration       POST /api/integrations/chat/system, /chat/system/client/N, /chat/action  CAN_SEND_SYSTEM_MESSAGES
//   (Bearer, one      POST /api/integrations/chat/send                                       CAN_SEND_MESSAGES
//   scope each)       GET  /api/integrations/clients, /api/integrations/status               HAS_ADMIN_ACCESS
//
// Owncast's quirks that matter are kept: a wrong admin password is 401 text "Unauthorized"; a
// missing/unknown token or a missing scope is 401 with the plain-text body "unauthorized"; webhook
// ids count from 1; unknown event names or scopes are 400 {"error":...}; access tokens are 44-char
// URL-safe base64; chat/system without "body" and chat/send with an empty body are 400 (nothing is
// sent); malformed JSON on chat endpoints is HTTP 200 {"error":...}; JSON ends with "\n".
// Every request is recorded (method, path, body, authorization, status) before it is answered.
import { createServer } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';

const EVENTS = new Set(['CHAT', 'USER_JOINED', 'USER_PARTED', 'NAME_CHANGE', 'VISIBILITY-UPDATE', 'STREAM_STARTED',
  'STREAM_STOPPED', 'STREAM_TITLE_UPDATED', 'FEDIVERSE_ENGAGEMENT_FOLLOW', 'CHAT_ACTION', 'SYSTEM', 'PING', 'PONG']);
const SCOPES = new Set(['CAN_SEND_MESSAGES', 'CAN_SEND_SYSTEM_MESSAGES', 'HAS_ADMIN_ACCESS']);
const ACTION_FIELDS = ['url', 'html', 'title', 'description', 'icon', 'color'];

function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startFakeOwncast({ adminPassword = 'owncast-admin-password', version = '0.2.5', online = false } = {}) {
  const state = {
    online,
    hooks: [],        // {id, url, events, timestamp, lastUsed}
    nextHookId: 1,
    tokens: [],       // {accessToken, displayName, scopes, createdAt}
    actions: [],
    customJs: '',
    clients: [],
    messages: [],     // {kind, body, sender, clientId}
    calls: [],        // {method, path, body, authorization, status}
  };
  const now = () => new Date().toISOString();

  function handle(req, body) {
    const m = req.method;
    const p = new URL(req.url, 'http://x').pathname;
    const json = (status, obj) => ({ status, type: 'application/json', body: `${JSON.stringify(obj)}\n` });
    const text = (status, t) => ({ status, type: 'text/plain; charset=utf-8', body: t });
    const simple = (ok, message) => json(ok ? 200 : 400, { success: ok, message });
    const statusJson = () => ({
      serverTime: now(), lastConnectTime: state.online ? now() : null, lastDisconnectTime: state.online ? null : now(),
      versionNumber: version, streamTitle: 'Fake stream', viewerCount: state.clients.length, online: state.online,
    });

    if (m === 'GET' && p === '/api/status') return json(200, statusJson());
    if (m === 'GET' && p === '/api/config') {
      return json(200, { name: 'Fake Owncast', version: `Owncast v${version}-linux-64bit (fake)`, externalActions: state.actions });
    }

    if (m === 'GET' && p === '/customjavascript') return { status: 200, type: 'text/javascript', body: state.customJs };

    if (p.startsWith('/api/admin/')) {
      const auth = req.headers.authorization || '';
      let ok = false;
      if (/^basic /i.test(auth)) ok = safeEqual(Buffer.from(auth.slice(6), 'base64').toString(), `admin:${adminPassword}`);
      if (!ok) return { ...text(401, 'Unauthorized'), headers: { 'WWW-Authenticate': 'Basic realm="Owncast Authorization Required"' } };
      let b = null;
      if (m === 'POST') {
        try { b = JSON.parse(body); } catch { b = null; }
        if (!b || typeof b !== 'object' || Array.isArray(b)) return json(400, { error: 'invalid character in request body' });
      }
      if (m === 'GET' && p === '/api/admin/webhooks') return json(200, state.hooks);
      if (m === 'POST' && p === '/api/admin/webhooks/create') {
        if (!b.url) return json(400, { error: 'url is required' });
        if (!Array.isArray(b.events)) return json(400, { error: 'events are required' });
        if (!b.events.every((e) => EVENTS.has(e))) return json(400, { error: 'invalid event type' });
        const hook = { id: state.nextHookId++, url: b.url, events: b.events, timestamp: now(), lastUsed: null };
        state.hooks.push(hook);
        return json(200, hook);
      }
      if (m === 'POST' && p === '/api/admin/webhooks/delete') {
        if (!Number.isInteger(b.id)) return json(400, { error: 'id is required' });
        state.hooks = state.hooks.filter((h) => h.id !== b.id);
        return simple(true, 'deleted webhook');
      }
      if (m === 'GET' && p === '/api/admin/accesstokens') return json(200, state.tokens.map(tokenJson));
      if (m === 'POST' && p === '/api/admin/accesstokens/create') {
        if (!Array.isArray(b.scopes)) return json(400, { error: 'scopes are required' });
        if (!b.scopes.every((s) => SCOPES.has(s))) return json(400, { error: 'one or more invalid scopes provided' });
        const t = { accessToken: randomBytes(32).toString('base64url') + '=', displayName: String(b.name || ''), scopes: b.scopes, createdAt: now() };
        state.tokens.push(t);
        return json(200, tokenJson(t));
      }
      if (m === 'POST' && p === '/api/admin/accesstokens/delete') {
        const before = state.tokens.length;
        state.tokens = state.tokens.filter((t) => !safeEqual(t.accessToken, b.token || ''));
        if (state.tokens.length === before) return json(400, { error: 'unable to delete token' });
        return simple(true, 'deleted token');
      }
      if (m === 'GET' && p === '/api/admin/serverconfig') {
        return json(200, {
          instanceDetails: { name: 'Fake Owncast', summary: '', nsfw: false },
          streamKeys: [{ key: 'not-a-real-stream-key', comment: 'default' }],
          webServerPort: 8080, rtmpServerPort: 1935, yp: { enabled: false },
          externalActions: state.actions, federation: { enabled: false },
        });
      }
      if (m === 'POST' && p === '/api/admin/config/customjavascript') {
        if (typeof b.value !== 'string') return simple(false, 'unable to update custom javascript with provided values');
        state.customJs = b.value;
        return simple(true, 'custom javascript updated');
      }
      if (m === 'POST' && p === '/api/admin/config/externalactions') {
        if (!Array.isArray(b.value)) return simple(false, 'unable to update external actions with provided values');
        const stored = [];
        for (const a of b.value) {
          if (!a || typeof a !== 'object') return simple(false, 'unable to update external actions with provided values');
          const kept = {};
          for (const f of ACTION_FIELDS) if (typeof a[f] === 'string') kept[f] = a[f];
          kept.openExternally = a.openExternally === true;
          stored.push(kept);
        }
        state.actions = stored;
        return simple(true, 'external actions update');
      }
      return text(404, '404 page not found\n');
    }

    if (p.startsWith('/api/integrations/')) {
      if (m === 'OPTIONS') return { status: 204, type: null, body: '', headers: { 'Access-Control-Allow-Origin': '*' } };
      const client = /^\/api\/integrations\/chat\/system\/client\/([^/]+)$/.exec(p);
      let scope = '';
      if (m === 'POST' && (p === '/api/integrations/chat/system' || p === '/api/integrations/chat/action' || client)) scope = 'CAN_SEND_SYSTEM_MESSAGES';
      else if (m === 'POST' && p === '/api/integrations/chat/send') scope = 'CAN_SEND_MESSAGES';
      else if (m === 'GET' && (p === '/api/integrations/clients' || p === '/api/integrations/status')) scope = 'HAS_ADMIN_ACCESS';
      if (!scope) return text(404, '404 page not found\n');
      const auth = req.headers.authorization || '';
      const token = /^bearer /i.test(auth) ? state.tokens.find((t) => safeEqual(t.accessToken, auth.slice(7))) : null;
      if (!token || !token.scopes.includes(scope)) return text(401, 'unauthorized');
      const cors = { 'Access-Control-Allow-Origin': '*' };
      if (p === '/api/integrations/clients') return { ...json(200, state.clients), headers: cors };
      if (p === '/api/integrations/status') return { ...json(200, statusJson()), headers: cors };
      let b;
      try { b = JSON.parse(body); } catch { b = null; }
      if (!b || typeof b !== 'object') return json(200, { error: 'invalid character in request body' });
      const hasBody = typeof b.body === 'string';
      if (p === '/api/integrations/chat/send') {
        if (!b.body) return json(400, { error: 'invalid message' });
        state.messages.push({ kind: 'chat', body: b.body, sender: token.displayName });
        return simple(true, 'sent');
      }
      if (!hasBody) return simple(false, 'missing required field: body');
      if (p === '/api/integrations/chat/action') state.messages.push({ kind: 'action', body: b.body });
      else if (client) {
        if (!/^\d+$/.test(client[1])) return json(400, { error: 'invalid client id' });
        state.messages.push({ kind: 'system-client', body: b.body, clientId: client[1] });
      } else state.messages.push({ kind: 'system', body: b.body });
      return simple(true, 'sent');
    }
    return text(404, '404 page not found\n');
  }

  function tokenJson(t) {
    return {
      createdAt: t.createdAt, id: t.accessToken.slice(0, 8), accessToken: t.accessToken, displayName: t.displayName,
      scopes: t.scopes, displayColor: 3, isBot: true, lastUsed: null, type: 'API',
    };
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let r;
      try {
        r = handle(req, body);
      } catch (e) {
        r = { status: 500, type: 'text/plain', body: String(e) };
      }
      state.calls.push({
        method: req.method, path: new URL(req.url, 'http://x').pathname, body,
        authorization: req.headers.authorization || '', status: r.status,
      });
      const headers = { ...(r.headers || {}) };
      if (r.type) headers['Content-Type'] = r.type;
      res.writeHead(r.status, headers);
      res.end(r.body);
    });
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    adminPassword,
    state,
    calls: (method, path) => state.calls.filter((c) => (!method || c.method === method) && (!path || c.path === path)),
    setOnline(v) { state.online = !!v; },
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
