// Line-oriented checker process for the Java tests: reads one JSON request per line on stdin and answers one
// JSON line on stdout, in order.
//   {"op":"clients","clients":{"<clientId>":{"accessToken":"…","scopes":["…"]}}}      -> {"ok":true}
//   {"op":"header","method","resource","hostHeader","https","authorization"}            -> authentication result
//   {"op":"bewit","resource","hostHeader","https"}                                      -> authentication result
// The host and port are read from the Host header the request would carry, as a Taskcluster service reads them
// (no port in the header: 443 for https, 80 for http).
//   {"op":"temporaryCredentials","credentials":{clientId,accessToken},"clientId"?,"scopes","start","expiry"}
//        -> credentials minted by the official taskcluster-client
import readline from 'node:readline';
import hawk from 'hawk';
import taskcluster from 'taskcluster-client';
import { createAuthenticator } from './tc-auth.mjs';

let authenticate = createAuthenticator(new Map());

// hawk's parseHost reads the port through a WHATWG URL with an http: base, which drops an explicit :80 (http's
// default) and then takes 443 for an https connection: a URL like https://h:80/ would be checked for port 443.
// The explicit port of the Host header is what both sides sign.
const hostAndPort = ({ hostHeader, https }) => {
  const parsed = hawk.utils.parseHost({ headers: { host: hostHeader }, connection: { encrypted: https } });
  if (!parsed) throw new Error('invalid Host header ' + hostHeader);
  const explicit = hostHeader.match(/:(\d+)$/);
  return { host: parsed.name, port: Number(explicit ? explicit[1] : parsed.port) };
};

const handle = async (request) => {
  switch (request.op) {
    case 'clients':
      authenticate = createAuthenticator(new Map(Object.entries(request.clients)));
      return { ok: true };
    case 'header':
      return authenticate({ ...request, ...hostAndPort(request) });
    case 'bewit':
      return authenticate({ ...request, ...hostAndPort(request), method: 'GET', authorization: undefined });
    case 'temporaryCredentials': {
      const options = {
        credentials: request.credentials,
        scopes: request.scopes,
        start: new Date(request.start),
        expiry: new Date(request.expiry),
      };
      if (request.clientId) options.clientId = request.clientId;
      return { ok: true, credentials: taskcluster.createTemporaryCredentials(options) };
    }
    default:
      return { ok: false, message: 'unknown op ' + request.op };
  }
};

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = await handle(JSON.parse(line));
  } catch (err) {
    answer = { ok: false, message: 'checker error: ' + (err.message || String(err)) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
