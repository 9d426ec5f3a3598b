// A fake Taskcluster deployment for the end-to-end tests: an HTTP server on 127.0.0.1 that authenticates every
// request as Taskcluster does (tc-auth.mjs: npm hawk plus certificate and authorizedScopes rules) and offers the
// behaviours the tests need. Prints {"port": N} on its first stdout line.
//
// Usage: node fake-deployment.mjs '<config JSON>'
//   config: {"clients": {"<clientId>": {"accessToken", "scopes"}}, "tasks": {"<taskId>": {task definition}},
//            "record": false to keep no log of authentications (for long runs: the log only grows),
//            "tls": {"pfx": "<PKCS12 keystore path>", "passphrase"} to serve https, HTTP/2 chosen by ALPN (and
//            HTTP/1.1 for clients that do not offer h2)}
//
// Every authenticated API answers 401 {"code":"AuthenticationFailed"} when authentication fails. Routes under
// /api/<service>/<version>/ (any service and version, so that every URL form of the proxy reaches them):
//   echo/...                 the request as received: method, raw target, HTTP version, headers, body length and
//                            sha256, auth
//   scopes/current           {clientId, scopes} of the caller (as the auth service's endpoint)
//   status/<code>            that status, a JSON error body and headers X-Test-A: 1 and X-Test-A: 2
//   redirect                 303 to http://nosuch.example.com with body "{}\n"
//   cookies                  200 with two Set-Cookie headers
//   gzipped                  200, Content-Encoding: gzip, the gzip of "an encoded answer\n" repeated 100 times
//   sequence/<key>/<codes>   the n-th call for <key> answers the n-th of the comma-separated codes (the last
//                            repeats); X-Attempt: n; body {attempt, status, body: {length, sha256}}
//   unavailable/<key>/<s>    always 503 with Retry-After: <s>; events unavailable-<n>
//   test-authenticate (auth) POST {clientScopes, requiredScopes}: {clientId, scopes}, as the auth service
//   retry-after/<key>/<s>    first call 503 with Retry-After: <s>, then 200
//   bytes/<n>                n bytes of the repeating pattern (see pattern()), with Content-Length
//   upload                   reads the body; {length, sha256}
//   slow/<key>/<seconds>     200 and a body trickled over <seconds>; events slow-started, slow-finished,
//                            slow-aborted (for <key>)
//   hang/<key>               never answers; events hang-started, hang-closed
//   stall/<key>              headers (Content-Length 1000) and 10 bytes, then nothing; events stall-closed
//   task/<taskId> (queue)    unauthenticated, as queue.task: the task or 404
// Control (unauthenticated; over TLS, on the plain HTTP controlPort): GET /__control/log (every authentication result, in order, with the pid of the proxy
// that sent the request, when it came from one, and the ext the Authorization header carried), /__control/events.
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { createAuthenticator } from './tc-auth.mjs';
import { peerProcess } from './peer-process.mjs';

const config = JSON.parse(process.argv[2] || '{}');
const authenticate = createAuthenticator(new Map(Object.entries(config.clients || {})));
const tasks = config.tasks || {};
const log = [];
const recording = config.record !== false;
const events = [];
const counters = new Map();

export const pattern = () => {
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) % 251;
  return block;
};
const PATTERN = pattern();

const json = (res, status, body, headers = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
};
const event = (name, key) => events.push({ name, key, at: Date.now() });
const count = (key) => {
  const n = (counters.get(key) || 0) + 1;
  counters.set(key, n);
  return n;
};

const tls = config.tls || null;
const DEFAULT_PORT = tls ? 443 : 80;

// The host and port the request was sent to: its Host header, or over HTTP/2 its :authority.
const hostAndPort = (req) => {
  const host = req.headers.host || req.headers[':authority'] || '';
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  return m ? { host: m[1], port: m[2] ? Number(m[2]) : DEFAULT_PORT } : { host, port: DEFAULT_PORT };
};

// Headers with repeated names, as [name, value] pairs: HTTP/2's compatibility API wants each name once, its
// values in an array.
const headerList = (pairs) => {
  if (!tls) return pairs;
  const merged = {};
  for (const [name, value] of pairs) (merged[name] ??= []).push(value);
  return merged;
};

const readBody = (req) => new Promise((resolve, reject) => {
  const hash = crypto.createHash('sha256');
  let length = 0;
  req.on('data', (chunk) => { hash.update(chunk); length += chunk.length; });
  req.on('end', () => resolve({ length, sha256: hash.digest('hex') }));
  req.on('error', reject);
});

// The ext of a Hawk header as sent, whether or not the request authenticates: {} when there is none.
const sentExt = (authorization) => {
  const ext = /ext="([^"]*)"/.exec(authorization || '')?.[1];
  if (!ext) return {};
  try {
    return JSON.parse(Buffer.from(ext, 'base64').toString('utf8'));
  } catch {
    return { unreadable: ext };
  }
};

// A request whose body is cut short (the proxy aborts it when its caller goes away) rejects its readBody: that
// connection is dropped, and the deployment goes on serving the others.
const onRequest = (req, res) => handle(req, res).catch(() => res.destroy());
const server = tls
  ? http2.createSecureServer({ pfx: fs.readFileSync(tls.pfx), passphrase: tls.passphrase, allowHTTP1: true }, onRequest)
  : http.createServer(onRequest);

async function handle(req, res) {
  const target = req.url;
  if (target === '/__control/log') return json(res, 200, log);
  if (target === '/__control/events') return json(res, 200, events);

  const api = /^\/api\/([^/]+)\/([^/]+)\/(.*)$/s.exec(target.split('?')[0]);
  if (!api) return json(res, 404, { code: 'ResourceNotFound', message: 'no such API: ' + target });
  const [, service, , rest] = api;

  if (service === 'queue' && rest.startsWith('task/') && req.method === 'GET' && !rest.includes('/', 5)) {
    const task = tasks[decodeURIComponent(rest.slice(5))];
    return task ? json(res, 200, task) : json(res, 404, { code: 'ResourceNotFound', message: 'no such task' });
  }

  const { host, port } = hostAndPort(req);
  const auth = await authenticate({ method: req.method, resource: target, host, port, authorization: req.headers.authorization });
  let ext = null;
  if (auth.ok && auth.ext) ext = auth.ext;
  if (recording) log.push({
    method: req.method, target, ok: auth.ok, message: auth.message, clientId: auth.clientId, scopes: auth.scopes,
    authorizedScopes: ext && 'authorizedScopes' in ext ? ext.authorizedScopes : null,
    hasAuthorizedScopes: !!(ext && 'authorizedScopes' in ext),
    nonce: /nonce="([^"]*)"/.exec(req.headers.authorization || '')?.[1] ?? null,
    authorization: req.headers.authorization ?? null,
    sentExt: sentExt(req.headers.authorization),
    proxyPid: req.socket.proxyPid ?? null,
  });
  if (!auth.ok) {
    req.resume();
    return json(res, 401, { code: 'AuthenticationFailed', message: auth.message });
  }

  let m;
  if (rest.startsWith('echo')) {
    const body = await readBody(req);
    return json(res, 200, {
      method: req.method, target, httpVersion: req.httpVersion, headers: req.headers, rawHeaders: req.rawHeaders, body, clientId: auth.clientId, scopes: auth.scopes,
    });
  }
  if (rest === 'scopes/current') {
    req.resume();
    return json(res, 200, { clientId: auth.clientId, scopes: auth.scopes });
  }
  if ((m = /^status\/(\d{3})$/.exec(rest))) {
    req.resume();
    const status = Number(m[1]);
    const body = JSON.stringify({ code: 'TestStatus', message: 'status ' + status + ' as asked' });
    res.writeHead(status, headerList([['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))],
      ['X-Test-A', '1'], ['X-Test-A', '2']]));
    return res.end(body);
  }
  if (rest === 'redirect') {
    req.resume();
    res.writeHead(303, { Location: 'http://nosuch.example.com', 'Content-Length': 3 });
    return res.end('{}\n');
  }
  if (rest === 'gzipped') {
    req.resume();
    const body = zlib.gzipSync('an encoded answer\n'.repeat(100));
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain', 'Content-Length': body.length });
    return res.end(body);
  }
  if (rest === 'cookies') {
    req.resume();
    res.writeHead(200, headerList([['Set-Cookie', 'a=1; Path=/'], ['Set-Cookie', 'b=2; Path=/'], ['Content-Length', '2']]));
    return res.end('ok');
  }
  if ((m = /^sequence\/([^/]+)\/([0-9,]+)$/.exec(rest))) {
    const body = await readBody(req);
    const codes = m[2].split(',').map(Number);
    const n = count('sequence/' + m[1]);
    const status = codes[Math.min(n, codes.length) - 1];
    return json(res, status, { attempt: n, status, body }, { 'X-Attempt': String(n) });
  }
  if ((m = /^unavailable\/([^/]+)\/(\d+|past)$/.exec(rest))) {
    // Always 503, asking for a retry after that many seconds, or at an HTTP date in the past.
    req.resume();
    const n = count('unavailable/' + m[1]);
    event('unavailable-' + n, m[1]);
    return json(res, 503, { attempt: n }, { 'Retry-After': m[2] === 'past' ? 'Wed, 21 Oct 2015 07:28:00 GMT' : m[2] });
  }
  if (service === 'auth' && rest === 'test-authenticate' && req.method === 'POST') {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let input;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf-8'));
    } catch {
      return json(res, 400, { code: 'InputValidationError', message: 'body is not JSON' });
    }
    if (!(req.headers['content-type'] || '').startsWith('application/json')) {
      return json(res, 400, { code: 'MalformedPayload', message: 'Payload must be JSON with content-type: application/json' });
    }
    return json(res, 200, { clientId: auth.clientId, scopes: auth.scopes, requiredScopes: input.requiredScopes });
  }
  if ((m = /^too-many\/([^/]+)\/(\d+|none)$/.exec(rest))) {
    // 429 twice (with Retry-After unless 'none'), then 200.
    req.resume();
    const n = count('too-many/' + m[1]);
    event('too-many-' + n, m[1]);
    if (n > 2) return json(res, 200, { attempt: n });
    return json(res, 429, { code: 'TooManyRequests', attempt: n }, m[2] === 'none' ? {} : { 'Retry-After': m[2] });
  }
  if ((m = /^retry-after\/([^/]+)\/(\d+)$/.exec(rest))) {
    req.resume();
    const n = count('retry-after/' + m[1]);
    event('retry-after-' + n, m[1]);
    return n === 1 ? json(res, 503, { attempt: n }, { 'Retry-After': m[2] }) : json(res, 200, { attempt: n });
  }
  if ((m = /^bytes\/(\d+)$/.exec(rest))) {
    req.resume();
    let remaining = Number(m[1]);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': remaining });
    const pump = () => {
      while (remaining > 0) {
        const n = Math.min(remaining, PATTERN.length);
        remaining -= n;
        if (!res.write(n === PATTERN.length ? PATTERN : PATTERN.subarray(0, n))) return res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  if ((m = /^slow-upload\/(\d+)$/.exec(rest))) {
    // Reads the whole body, then answers after the delay: many callers at once hold their requests open together.
    const body = await readBody(req);
    await new Promise((resolve) => setTimeout(resolve, Number(m[1])));
    return json(res, 200, body);
  }
  if ((m = /^upload\/([^/]+)$/.exec(rest))) {
    // As upload, and says whether the body arrived whole: a caller's cut-short body must never look complete here.
    event('upload-started', m[1]);
    req.on('close', () => event(req.complete ? 'upload-complete' : 'upload-incomplete', m[1]));
    const body = await readBody(req).catch(() => null);
    return body ? json(res, 200, body) : res.destroy();
  }
  if (rest === 'upload') {
    const body = await readBody(req);
    return json(res, 200, body);
  }
  if ((m = /^slow\/([^/]+)\/(\d+)$/.exec(rest))) {
    req.resume();
    const key = m[1];
    const ticks = Number(m[2]) * 10;
    event('slow-started', key);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': ticks });
    let sent = 0;
    const timer = setInterval(() => {
      res.write('x');
      if (++sent === ticks) {
        clearInterval(timer);
        res.end();
        event('slow-finished', key);
      }
    }, 100);
    res.on('close', () => {
      if (sent < ticks) {
        clearInterval(timer);
        event('slow-aborted', key);
      }
    });
    return undefined;
  }
  if ((m = /^hang\/([^/]+)$/.exec(rest))) {
    req.resume();
    event('hang-started', m[1]);
    res.on('close', () => event('hang-closed', m[1]));
    return undefined;
  }
  if ((m = /^stall\/([^/]+)$/.exec(rest))) {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 1000 });
    res.write(Buffer.alloc(10, 120));
    res.on('close', () => event('stall-closed', m[1]));
    return undefined;
  }
  req.resume();
  return json(res, 404, { code: 'ResourceNotFound', message: 'unknown test route ' + rest });
}

// Naming the proxy behind a connection scans /proc synchronously (tens of ms with many sockets open): only when the
// log that needs it is kept. In a long run, a burst of new connections made the event loop stall for a second.
// Over TLS, the socket a request's req.socket stands for is the TLS socket (for HTTP/2, its session's).
if (recording) server.on(tls ? 'secureConnection' : 'connection', (socket) => {
  socket.proxyPid = peerProcess(socket);
});
if (!tls) {
  server.keepAliveTimeout = 60000;
  server.headersTimeout = 65000;
  server.requestTimeout = 0;
}
// Over TLS the test reads the control routes from a plain HTTP listener of their own ("controlPort").
const control = tls ? http.createServer(onRequest) : null;
// config.port: a port an earlier server of the tests had (ScopeAuditIT); 0 picks a free one.
server.listen(config.port || 0, '127.0.0.1', () => {
  const port = server.address().port;
  if (!control) return process.stdout.write(JSON.stringify({ port }) + '\n');
  return control.listen(0, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port, controlPort: control.address().port }) + '\n');
  });
});
