// A Taskcluster-style request authenticator for the proxy's tests, written from the auth service's documented
// rules: Hawk (checked by the reference npm `hawk` package), temporary credentials (the key is re-derived from the
// issuer's permanent token and the certificate's seed, and the certificate's signature is checked), named
// temporary credentials (the issuer needs auth:create-client:<name>), and authorizedScopes (they must be
// satisfied by the credentials' scopes, and then replace them).
import crypto from 'node:crypto';
import hawk from 'hawk';

const MINUTE = 60 * 1000;
const validScope = (s) => typeof s === 'string' && /^[\x20-\x7e]*$/.test(s);

// A scope is satisfied by an equal scope or by a pattern ending in '*' that is a prefix of it.
export const satisfies = (have, need) =>
  have.some((h) => h === need || (h.endsWith('*') && need.startsWith(h.slice(0, -1))));

const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest();

export const temporaryKey = (issuerToken, seed) => hmac(issuerToken, seed).toString('base64url');

export const certificateSignature = (issuerToken, clientId, cert) => {
  const lines = ['version:1'];
  if (cert.issuer) {
    lines.push('clientId:' + clientId, 'issuer:' + cert.issuer);
  }
  lines.push('seed:' + cert.seed, 'start:' + cert.start, 'expiry:' + cert.expiry, 'scopes:', ...cert.scopes);
  return hmac(issuerToken, lines.join('\n')).toString('base64');
};

const parseExt = (ext) => {
  let parsed;
  try {
    parsed = JSON.parse(Buffer.from(ext, 'base64').toString('utf-8'));
  } catch {
    throw new Error('ext is not base64 of JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('ext must be a JSON object');
  }
  return parsed;
};

// clients: Map of clientId -> {accessToken, scopes}. Returns an async function that authenticates
// {method, resource, host, port, authorization} and resolves to {ok: true, clientId, scopes, ext} or
// {ok: false, message}.
export function createAuthenticator(clients) {
  const loadClient = (clientId) => {
    const client = clients.get(clientId);
    if (!client) {
      throw new Error(`client ${clientId} not found`);
    }
    return client;
  };

  // Resolves the key and the effective scopes for a request, applying the rules of the ext.
  const credentialsFor = (credentialName, extString) => {
    const ext = extString ? parseExt(extString) : {};
    const cert = ext.certificate;
    let issuer = credentialName;
    if (cert && cert.issuer !== undefined) {
      if (typeof cert.issuer !== 'string') throw new Error('certificate.issuer must be a string');
      if (cert.issuer === credentialName) throw new Error('certificate.issuer must differ from the clientId');
      issuer = cert.issuer;
    }
    const client = loadClient(issuer);
    let key = client.accessToken;
    let scopes = client.scopes;

    if (cert !== undefined) {
      if (cert === null || typeof cert !== 'object' || Array.isArray(cert)) throw new Error('certificate must be an object');
      if (cert.version !== 1) throw new Error('certificate.version must be 1');
      if (typeof cert.seed !== 'string' || cert.seed.length !== 44) throw new Error('certificate.seed must be 44 characters');
      if (typeof cert.start !== 'number' || typeof cert.expiry !== 'number') throw new Error('certificate start/expiry must be numbers');
      if (!Array.isArray(cert.scopes) || !cert.scopes.every(validScope)) throw new Error('certificate.scopes must be an array of valid scopes');
      const now = Date.now();
      if (cert.start > now + 5 * MINUTE) throw new Error('certificate.start is in the future');
      if (cert.expiry < now - 5 * MINUTE) throw new Error('certificate has expired');
      if (cert.expiry - cert.start > 31 * 24 * 60 * MINUTE) throw new Error('certificate lasts longer than 31 days');
      if (issuer !== credentialName) {
        if (!satisfies(scopes, 'auth:create-client:' + credentialName)) {
          throw new Error(`issuer ${issuer} may not create client ${credentialName}`);
        }
      } else if ('clientId' in cert) {
        throw new Error('certificate.clientId is only allowed with certificate.issuer');
      }
      if (!cert.scopes.every((s) => satisfies(scopes, s))) throw new Error('issuer does not have the certificate scopes');
      const expected = certificateSignature(client.accessToken, credentialName, cert);
      if (typeof cert.signature !== 'string' || cert.signature.length !== expected.length
          || !crypto.timingSafeEqual(Buffer.from(cert.signature), Buffer.from(expected))) {
        throw new Error('certificate.signature is not valid');
      }
      key = temporaryKey(client.accessToken, cert.seed);
      scopes = cert.scopes;
    }

    if (ext.authorizedScopes !== undefined) {
      if (!Array.isArray(ext.authorizedScopes) || !ext.authorizedScopes.every(validScope)) {
        throw new Error('authorizedScopes must be an array of valid scopes');
      }
      const have = [...scopes, 'assume:anonymous'];
      const missing = ext.authorizedScopes.filter((s) => !satisfies(have, s));
      if (missing.length > 0) throw new Error('credentials do not satisfy authorizedScopes: ' + missing.join(', '));
      scopes = ext.authorizedScopes;
    }
    return { key, algorithm: 'sha256', clientId: credentialName, scopes, ext };
  };

  return async function authenticate({ method, resource, host, port, authorization }) {
    try {
      let result;
      if (authorization) {
        result = await hawk.server.authenticate(
          { method: method.toUpperCase(), url: resource, host, port, authorization },
          async (id) => {
            const attributes = hawk.utils.parseAuthorizationHeader(authorization);
            return credentialsFor(id, attributes instanceof Error ? undefined : attributes.ext);
          },
          { timestampSkewSec: 15 * 60 });
      } else if (/^\/.*[?&]bewit=/.test(resource)) {
        result = await hawk.uri.authenticate(
          { method: method.toUpperCase(), url: resource, host, port },
          async (id) => {
            const token = resource.match(/^(\/.*)([?&])bewit=([^&$]*)(?:&(.+))?$/)[3];
            const parts = /^[\w-]*$/.test(token) ? Buffer.from(token, 'base64url').toString('binary').split('\\') : [];
            return credentialsFor(id, parts.length === 4 && parts[3] ? parts[3] : undefined);
          },
          {});
      } else {
        return { ok: false, message: 'no authentication' };
      }
      const { clientId, scopes, ext } = result.credentials;
      return { ok: true, clientId, scopes, ext };
    } catch (err) {
      return { ok: false, message: err.message || String(err) };
    }
  };
}
