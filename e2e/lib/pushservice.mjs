// A stand-in for a browser vendor's push service, for the push wake-up test: headless chromium cannot reach a
// real one (its subscriptions go through the vendor's servers), so the test subscribes with its own keys
// (PushKeys), the server sends to this HTTPS endpoint, and each message is checked (VAPID, RFC 8292) and
// decrypted (aes128gcm, RFC 8291 / RFC 8188) before the test hands its plaintext to the app's service worker.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchText } from './server.mjs';

const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

/** The user agent's side of a push subscription: a P-256 key pair and a 16-byte auth secret. */
export class PushKeys {
  constructor(privateKey, authSecret) {
    this.ecdh = crypto.createECDH('prime256v1');
    if (privateKey) this.ecdh.setPrivateKey(privateKey);
    else this.ecdh.generateKeys();
    this.publicKey = this.ecdh.getPublicKey(); // 65 bytes, uncompressed
    this.authSecret = authSecret ?? crypto.randomBytes(16);
  }

  /** What PushSubscription.toJSON() gives for `endpoint`. */
  subscription(endpoint) {
    return { endpoint, expirationTime: null, keys: { p256dh: this.publicKey.toString('base64url'), auth: this.authSecret.toString('base64url') } };
  }

  /** Decrypts an aes128gcm push message body (one record, as RFC 8291 requires); returns the plaintext Buffer. */
  decrypt(body) {
    if (body.length < 21) throw new Error(`push body too short (${body.length} bytes)`);
    const salt = body.subarray(0, 16);
    const recordSize = body.readUInt32BE(16);
    const idLength = body[20];
    if (idLength !== 65) throw new Error(`keyid must be the 65-byte sender public key, got ${idLength} bytes`);
    const senderPublic = body.subarray(21, 21 + idLength);
    const record = body.subarray(21 + idLength);
    if (record.length > recordSize) throw new Error(`record of ${record.length} bytes exceeds rs ${recordSize}: must be one record`);
    if (record.length < 17) throw new Error('record too short for the GCM tag');
    const ecdhSecret = this.ecdh.computeSecret(senderPublic);
    const prkKey = hmac(this.authSecret, ecdhSecret);
    const ikm = hmac(prkKey, Buffer.concat([Buffer.from('WebPush: info\0'), this.publicKey, senderPublic, Buffer.from([1])]));
    const prk = hmac(salt, ikm);
    const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
    const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
    const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    // The last (only) record ends with the delimiter 0x02 followed by optional zero padding (RFC 8188 section 2).
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    if (end < 0 || padded[end] !== 2) throw new Error('missing last-record delimiter 0x02');
    return padded.subarray(0, end);
  }
}

/**
 * Checks an `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292) for a request to `origin`. Returns the
 * JWT claims and the sender's public key (base64url); throws with the reason otherwise. `now` in seconds.
 */
export function verifyVapid(header, origin, { now = Math.floor(Date.now() / 1000), checkExpiry = true } = {}) {
  const m = /^vapid\s+(.*)$/i.exec(header ?? '');
  if (!m) throw new Error(`Authorization is not a vapid credential: ${header}`);
  const params = Object.fromEntries(m[1].split(',').map((p) => p.trim().split('=')).map(([k, ...v]) => [k.toLowerCase(), v.join('=')]));
  if (!params.t || !params.k) throw new Error(`vapid credential needs t and k: ${header}`);
  const [head, claims, signature] = params.t.split('.');
  const header0 = JSON.parse(Buffer.from(head, 'base64url').toString());
  if (header0.alg !== 'ES256') throw new Error(`JWT alg must be ES256, got ${header0.alg}`);
  const raw = Buffer.from(params.k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k must be an uncompressed P-256 point');
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const ok = crypto.verify('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) throw new Error('VAPID JWT signature does not verify with k');
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString());
  if (body.aud !== origin) throw new Error(`JWT aud ${body.aud} is not the push service origin ${origin}`);
  if (checkExpiry && !(body.exp > now && body.exp <= now + 24 * 3600)) throw new Error(`JWT exp ${body.exp} not within 24 h of ${now}`);
  if (typeof body.sub !== 'string' || !/^(mailto:|https:)/.test(body.sub)) throw new Error(`JWT sub ${body.sub} is not mailto:/https:`);
  return { claims: body, key: params.k };
}

/** A self-signed certificate for localhost/127.0.0.1 (openssl), and a PKCS#12 trust store a JVM can use. */
export function makeCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'webphone-e2e-push-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe', timeout: 30_000 });
  const trustStore = join(dir, 'truststore.p12');
  const password = 'e2e-trust';
  execFileSync('keytool', ['-importcert', '-noprompt', '-alias', 'push-service', '-file', cert, '-keystore', trustStore,
    '-storetype', 'PKCS12', '-storepass', password], { stdio: 'pipe', timeout: 30_000 });
  return {
    dir,
    key: readFileSync(key),
    cert: readFileSync(cert),
    /** JVM options so the server's outgoing HTTPS (push sender) trusts this certificate. */
    jvmTrustOptions: [`-Djavax.net.ssl.trustStore=${trustStore}`, `-Djavax.net.ssl.trustStorePassword=${password}`, '-Djavax.net.ssl.trustStoreType=PKCS12'],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The push service: accepts POST /push/<id> and records each message after checking its headers and VAPID
 * credential; keys registered with `subscribe(id)` decrypt the bodies. Answers 201 like real services.
 */
export class MockPushService {
  constructor() {
    this.messages = [];
    this.rejected = [];
    this.keys = new Map();
    this.waiters = [];
    this.tls = makeCertificate();
    this.server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => this.handle(req, res));
  }

  async start() {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    this.origin = `https://localhost:${this.server.address().port}`;
    return this;
  }

  /** A new subscription (fresh keys) whose endpoint is this service; returns {keys, json}. */
  subscribe(id = crypto.randomBytes(8).toString('hex')) {
    const keys = new PushKeys();
    this.keys.set(id, keys);
    return { id, keys, json: keys.subscription(`${this.origin}/push/${id}`) };
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
      try {
        if (req.method !== 'POST' || !id || !this.keys.has(id)) throw Object.assign(new Error(`unknown ${req.method} ${req.url}`), { status: 404 });
        const vapid = verifyVapid(req.headers.authorization, this.origin);
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${req.headers['content-encoding']}`);
        if (!/^\d+$/.test(req.headers.ttl ?? '')) throw new Error(`TTL header missing or not a number: ${req.headers.ttl}`);
        const plaintext = this.keys.get(id).decrypt(body).toString('utf8');
        const message = { id, headers: req.headers, vapid, text: plaintext, json: JSON.parse(plaintext), at: Date.now() };
        this.messages.push(message);
        res.writeHead(201, { location: `${this.origin}/message/${this.messages.length}` }).end();
        this.waiters = this.waiters.filter((w) => !w(message));
      } catch (e) {
        this.rejected.push({ url: req.url, reason: e.message });
        res.writeHead(e.status ?? 400, { 'content-type': 'text/plain' }).end(e.message);
      }
    });
  }

  /** Resolves with the first message (already received or arriving) for which `match` is true; bounded. */
  waitFor(match, timeoutMs = 15_000) {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching push message within ${timeoutMs} ms (received ${this.messages.length}, rejected: ${JSON.stringify(this.rejected)})`));
      }, timeoutMs);
      const waiter = (message) => {
        if (!match(message)) return false;
        clearTimeout(timer);
        resolve(message);
        return true;
      };
      this.waiters.push(waiter);
    });
  }

  async stop() {
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections();
    await closed;
    this.tls.cleanup();
  }
}

/**
 * Registers `subscriptionJson` (PushSubscription.toJSON() form) for the number of `credentials` with the server,
 * as the app does (POST /api/v1/push/subscriptions, HTTP Basic number:password). Headless chromium has no real
 * push service, so the tests register the stand-in's endpoint and keys this way. Throws unless the server
 * answers 201.
 */
export async function registerSubscription(server, credentials, subscriptionJson) {
  const res = await fetchText(`${server.baseUrl}/api/v1/push/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${credentials.number}:${credentials.password}`).toString('base64')}` },
    body: subscriptionJson,
  });
  if (res.status !== 201) throw new Error(`push subscription for ${credentials.number}: ${res.status} ${res.body}`);
  return res;
}

/** Polls `probe` every `stepMs` until it returns a truthy value; bounded. Returns the last value. */
async function poll(probe, { tries = 50, stepMs = 100 } = {}) {
  let value;
  for (let i = 0; i < tries; i++) {
    value = await probe();
    if (value) return value;
    await sleep(stepMs);
  }
  return value;
}

/**
 * Opens a page of `profile` at a URL its service worker leaves to the network (`/api/v1/config`: in the app's
 * scope, but not the app, so nothing registers) and returns it; the page is what the DevTools protocol session and
 * the notification queries run in. The page becomes profile.page.
 */
export async function openServiceWorkerPage(profile, baseUrl) {
  const page = await profile.context.newPage();
  profile.page = page;
  profile.watch(page);
  await page.goto(`${baseUrl}/api/v1/config`);
  return page;
}

/**
 * Does what the browser's push service would: delivers `text` (the decrypted push payload) to the service worker
 * registered for `${baseUrl}/`, through the DevTools protocol (ServiceWorker.deliverPushMessage). `page` must be
 * a page of the same browser context.
 */
export async function deliverToServiceWorker(context, page, baseUrl, text) {
  const cdp = await context.newCDPSession(page);
  try {
    const registrations = [];
    const versions = new Map(); // versionId -> latest state
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => e.versions.forEach((v) => versions.set(v.versionId, v)));
    await cdp.send('ServiceWorker.enable');
    const scopeURL = `${baseUrl}/`;
    const registration = await poll(() => registrations.find((r) => !r.isDeleted && r.scopeURL === scopeURL));
    if (!registration) throw new Error(`no service worker registration for ${scopeURL} (${JSON.stringify(registrations)})`);
    // A push reaches only an activated worker: a worker still installing (precaching the shell) would not show
    // the notification, and the test would see none without saying why.
    const active = await poll(() => [...versions.values()].find((v) => v.registrationId === registration.registrationId
      && v.status === 'activated'), { tries: 150 });
    if (!active) throw new Error(`the service worker for ${scopeURL} is not activated: ${JSON.stringify([...versions.values()])}`);
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: scopeURL, registrationId: registration.registrationId, data: text });
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/**
 * The notifications the service worker of `page`'s origin shows, as plain objects {title, body, tag, actions,
 * data}; waits (bounded) until at least `atLeast` are shown. Returns what is shown at the end either way.
 */
export async function shownNotifications(page, { atLeast = 1, tries = 150, match } = {}) {
  // Up to 15 s: on the 2-core CI machine under a full build, the service worker once took longer than 5 s to
  // start and show the notification (the push itself had arrived).
  let shown = [];
  await poll(async () => {
    shown = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/');
      return ((await reg?.getNotifications()) ?? []).map((n) => ({
        title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a) => a.action), data: n.data,
      }));
    });
    return match ? shown.some(match) : shown.length >= atLeast;
  }, { tries });
  return shown;
}

/**
 * Delivers `text` to the service worker and waits (bounded) until it shows a notification for which `match` is
 * true; returns the notifications shown then. When none shows within 10 s the delivery is repeated once, as a push
 * service redelivers an unacknowledged message: on the loaded 2-core CI machine a DevTools delivery was seen to
 * leave no notification at all (the payload had arrived and decrypted), which is the harness's delivery, not the
 * app. `diagnostic` receives what was shown when an attempt found nothing.
 */
export async function deliverAndWaitShown(profile, page, baseUrl, text, match, diagnostic = () => undefined) {
  let shown = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    await deliverToServiceWorker(profile.context, page, baseUrl, text);
    shown = await shownNotifications(page, { match, tries: 100 });
    if (shown.some(match)) return shown;
    diagnostic(`delivery ${attempt}: no matching notification within 10 s; shown: ${JSON.stringify(shown)}`);
  }
  return shown;
}
