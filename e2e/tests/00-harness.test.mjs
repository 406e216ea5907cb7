// The harness's own push service stand-in, checked against the RFCs' published examples (no browser, no server),
// so the push wake-up test can trust what it decrypts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { request } from 'node:https';
import { MockPushService, PushKeys, verifyVapid } from '../lib/pushservice.mjs';

const b64 = (s) => Buffer.from(s, 'base64url');

// RFC 8291 Appendix A.
const RFC8291 = {
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  authSecret: 'BTBZMqHH6r4Tts7J_aSIgg',
  body: 'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};
// RFC 8292 section 3.1 (its token expired in 2016: the signature is what is checked here).
const RFC8292 = {
  t: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1YiI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjvW2L9OkSSHzvoD1oA',
  k: 'BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs',
};

/** Sender side of RFC 8291, only to feed the stand-in service over HTTPS (one record, no padding). */
function encrypt(plaintext, keys) {
  const sender = crypto.createECDH('prime256v1');
  sender.generateKeys();
  const senderPublic = sender.getPublicKey();
  const salt = crypto.randomBytes(16);
  const hmac = (k, d) => crypto.createHmac('sha256', k).update(d).digest();
  const prkKey = hmac(keys.authSecret, sender.computeSecret(keys.publicKey));
  const ikm = hmac(prkKey, Buffer.concat([Buffer.from('WebPush: info\0'), keys.publicKey, senderPublic, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cipher = crypto.createCipheriv('aes-128-gcm', hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16),
    hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12));
  const record = Buffer.concat([cipher.update(Buffer.concat([Buffer.from(plaintext), Buffer.from([2])])), cipher.final(), cipher.getAuthTag()]);
  const header = Buffer.alloc(21);
  salt.copy(header);
  header.writeUInt32BE(4096, 16);
  header[20] = 65;
  return Buffer.concat([header, senderPublic, record]);
}

function vapidHeader(audience) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const k = Buffer.concat([Buffer.from([4]), b64(jwk.x), b64(jwk.y)]).toString('base64url');
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ typ: 'JWT', alg: 'ES256' })}.${part({ aud: audience, exp: Math.floor(Date.now() / 1000) + 3600, sub: 'mailto:e2e@localhost' })}`;
  const signature = crypto.sign('sha256', Buffer.from(unsigned), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `vapid t=${unsigned}.${signature}, k=${k}`;
}

function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('harness: push service stand-in', { timeout: 60_000 }, () => {
  it('decrypts the RFC 8291 Appendix A message', () => {
    const keys = new PushKeys(b64(RFC8291.uaPrivate), b64(RFC8291.authSecret));
    assert.equal(keys.publicKey.toString('base64url'), RFC8291.uaPublic);
    assert.equal(keys.decrypt(b64(RFC8291.body)).toString(), 'When I grow up, I want to be a watermelon');
  });

  it('refuses a tampered message', () => {
    const keys = new PushKeys(b64(RFC8291.uaPrivate), b64(RFC8291.authSecret));
    const body = b64(RFC8291.body);
    body[body.length - 20] ^= 1;
    assert.throws(() => keys.decrypt(body), /unable to authenticate|auth/i);
  });

  it('verifies the RFC 8292 VAPID example and rejects a wrong audience or key', () => {
    const header = `vapid t=${RFC8292.t}, k=${RFC8292.k}`;
    const { claims } = verifyVapid(header, 'https://push.example.net', { checkExpiry: false });
    assert.equal(claims.sub, 'mailto:push@example.com');
    assert.throws(() => verifyVapid(header, 'https://other.example', { checkExpiry: false }), /aud/);
    assert.throws(() => verifyVapid(header, 'https://push.example.net'), /exp/);
    const otherKey = new PushKeys().publicKey.toString('base64url');
    assert.throws(() => verifyVapid(`vapid t=${RFC8292.t}, k=${otherKey}`, 'https://push.example.net', { checkExpiry: false }), /signature/);
  });

  it('accepts an encrypted, VAPID-signed POST over HTTPS and rejects an unsigned one', async () => {
    const service = await new MockPushService().start();
    try {
      const { json, keys } = service.subscribe('abc');
      const payload = JSON.stringify({ notification: { title: 'Webph.one', data: { action: 'call-incoming', from: '999100123', id: 'x1' } } });
      const headers = { 'content-encoding': 'aes128gcm', 'content-type': 'application/octet-stream', ttl: '30', urgency: 'high' };
      assert.equal(await post(json.endpoint, { ...headers, authorization: vapidHeader(service.origin) }, encrypt(payload, keys)), 201);
      const message = await service.waitFor((m) => m.id === 'abc', 5000);
      assert.deepEqual(message.json.notification.data, { action: 'call-incoming', from: '999100123', id: 'x1' });
      assert.equal(await post(json.endpoint, headers, encrypt(payload, keys)), 400);
      assert.match(service.rejected[0].reason, /vapid/);
    } finally {
      await service.stop();
    }
  });
});
