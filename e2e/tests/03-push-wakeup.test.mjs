// Test 3, push wake-up (issue 6): B's app is closed; A calls B; the server holds the INVITE and sends a web push
// to B's subscription; the push reaches B's service worker, which shows the call notification; "Answer" opens the
// app, which registers and picks up the held call, and audio flows both ways.
//
// Headless chromium has no real push service (pushManager.subscribe() never gets an endpoint from the vendor), so
// B's subscription is registered with the server directly through the API (POST /api/v1/push/subscriptions with
// B's own credentials), exactly as the app would post PushSubscription.toJSON(), but with the endpoint and keys of
// the harness's push-service stand-in (lib/pushservice.mjs: a real HTTPS server that checks VAPID and decrypts
// the aes128gcm body). The server trusts the stand-in's self-signed certificate through JVM trust store options.
// What the push service would then do, deliver the message to the browser, the test does through the DevTools
// protocol (ServiceWorker.deliverPushMessage) with the plaintext the stand-in decrypted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchText, startServer } from '../lib/server.mjs';
import { openProfile, withDiagnostics } from '../lib/browser.mjs';
import { dial, inboundAudio, takeNumber, waitIdle, waitPhase, waitRegistered } from '../lib/app.mjs';
import { MockPushService, deliverAndWaitShown, deliverToServiceWorker, openServiceWorkerPage, registerSubscription, shownNotifications } from '../lib/pushservice.mjs';

/** How long the server holds a call to a number without a live contact (WEBPHONE_PUSH_HOLD_SECONDS). */
const HOLD_SECONDS = 30;

/** Polls `probe` every `stepMs` until it returns a truthy value; bounded. Returns the last value. */
async function poll(probe, { tries = 40, stepMs = 250 } = {}) {
  let value;
  for (let i = 0; i < tries; i++) {
    value = await probe();
    if (value) return value;
    await sleep(stepMs);
  }
  return value;
}

describe('3. push wake-up', { timeout: 180_000 }, () => {
  let server;
  let push;
  let alice;
  let bob;
  let aliceNumber;
  let bobNumber;
  let subscription;
  let bobCredentials;
  const diagnose = (label, body) => withDiagnostics(label, () => server, () => [alice, bob], body);

  before(async () => {
    push = await new MockPushService().start();
    server = await startServer('push', { WEBPHONE_PUSH_HOLD_SECONDS: String(HOLD_SECONDS) }, { jvmOptions: push.tls.jvmTrustOptions });
    alice = await openProfile('alice', { origin: server.baseUrl });
    bob = await openProfile('bob', { origin: server.baseUrl });
    aliceNumber = await takeNumber(alice, server);
    bobNumber = await takeNumber(bob, server);
    await Promise.all([waitRegistered(alice), waitRegistered(bob)]);
    // B's subscription, registered directly with B's credentials (see the header: no real push service here).
    bobCredentials = await bob.webphone(() => window.webphone.state.credentials);
    assert.equal(bobCredentials?.number, bobNumber);
    subscription = push.subscribe();
    await registerSubscription(server, bobCredentials, subscription.json);
  });

  after(async () => {
    await alice?.close();
    await bob?.close();
    await server?.cleanup();
    await push?.stop();
  });

  /** Closes B's app page and waits until the registrar dropped its contact (only A registered). */
  async function closeBobsApp() {
    await bob.page.close();
    const active = await poll(async () => ((await server.metric('sip_registrations_active')) === 1 ? 1 : 0));
    assert.equal(active, 1, 'only A is still registered after B closed its app');
  }

  /** A dials B (closed); resolves with the call-incoming push the stand-in received for it. */
  async function callClosedBob() {
    const seen = new Set(push.messages.map((m) => m.json?.notification?.data?.id));
    await dial(alice, bobNumber);
    const message = await push.waitFor((m) => m.id === subscription.id && m.json?.notification?.data?.action === 'call-incoming'
      && !seen.has(m.json.notification.data.id), 10_000);
    await waitPhase(alice, ['calling', 'ringing', 'early']);
    return message;
  }

  const basic = (c) => `Basic ${Buffer.from(`${c.number}:${c.password}`).toString('base64')}`;

  it('wakes the closed app of the callee and connects the held call with audio both ways', diagnose('wakeup', async (t) => {
    // Close B's app: its WebSocket closes and the registrar drops B's contact.
    await closeBobsApp();

    const calledAt = Date.now();
    await dial(alice, bobNumber);
    const message = await push.waitFor((m) => m.id === subscription.id && m.json?.notification?.data?.action === 'call-incoming', 10_000);
    t.diagnostic(`push after ${message.at - calledAt} ms: ${message.text}`);
    const data = message.json.notification.data;
    assert.equal(data.from, aliceNumber, 'the push names the caller');
    assert.ok(typeof data.id === 'string' && data.id.length >= 16, `the push carries an unguessable call id: ${data.id}`);
    assert.equal(message.headers.urgency, 'high', 'a call is an urgent push');
    assert.equal(Number(message.headers.ttl), HOLD_SECONDS, 'TTL = the hold time: a call push is useless once the hold is over');
    assert.equal(message.vapid.claims.aud, push.origin, 'VAPID audience is the push service (checked with sub, exp, signature)');
    // The caller is held meanwhile (100 Trying only, no final answer).
    await waitPhase(alice, ['calling', 'ringing', 'early']);

    // The push service hands the message to B's browser. A page is needed for a DevTools session: use a URL the
    // service worker lets through to the network (/api/), in scope but not the app, so B stays unregistered.
    const page = await openServiceWorkerPage(bob, server.baseUrl);
    await deliverToServiceWorker(bob.context, page, server.baseUrl, message.text);
    const notifications = await shownNotifications(page);
    t.diagnostic(`notification: ${JSON.stringify(notifications)}`);
    assert.equal(notifications.length, 1, 'one notification');
    const [shown] = notifications;
    assert.equal(shown.title, 'Incoming call');
    assert.equal(shown.body, `${aliceNumber} is calling you`);
    assert.equal(shown.tag, `call-${aliceNumber}`);
    assert.deepEqual(shown.actions, ['answer', 'hangup']);
    assert.equal(shown.data.id, data.id);
    // B has not registered: the service worker only showed the notification.
    assert.equal(await server.metric('sip_registrations_active'), 1, 'B is still not registered');

    // "Answer": the service worker opens /?answer=<id>&from=<caller> (pwa/src/lib/pushPayload.ts clickOutcome);
    // headless chromium cannot click a notification, so the test opens that URL as the tap would.
    await page.goto(`${server.baseUrl}/?${new URLSearchParams({ answer: data.id, from: data.from })}`);
    await waitRegistered(bob);
    await Promise.all([waitPhase(alice, 'active'), waitPhase(bob, 'active')]);
    const line = `push wake-up: dial -> call active at the woken callee ${Date.now() - calledAt} ms`;
    t.diagnostic(line);
    console.log(line);
    await sleep(5000);
    for (const [who, profile] of [['A', alice], ['B', bob]]) {
      const audio = await inboundAudio(profile);
      t.diagnostic(`${who} inbound-rtp: ${JSON.stringify(audio)}`);
      assert.ok(audio, `${who} has an audio inbound-rtp report`);
      assert.ok(audio.packetsReceived > 100, `${who} received ${audio.packetsReceived} packets`);
      assert.ok(audio.audioLevel > 0 || audio.totalAudioEnergy > 0, `${who} hears sound (level ${audio.audioLevel})`);
    }
    await bob.screenshot('03-woken-call');
    await alice.byTestId('hangup').click();
    await Promise.all([waitIdle(alice), waitIdle(bob)]);
    // An answered call is not canceled: no call-canceled push for it.
    await sleep(500);
    assert.equal(push.messages.filter((m) => m.json?.notification?.data?.action === 'call-canceled').length, 0, 'no call-canceled push after an answered call');
  }));

  it('"Hang up" on the notification declines the held call: 603 to the caller, call-canceled to B', diagnose('reject', async (t) => {
    await closeBobsApp();
    const message = await callClosedBob();
    const { id } = message.json.notification.data;
    const page = await openServiceWorkerPage(bob, server.baseUrl);
    const shown = await deliverAndWaitShown(bob, page, server.baseUrl, message.text, (n) => n.data?.id === id,
      (line) => t.diagnostic(line));
    const ringing = shown.find((n) => n.data?.id === id);
    assert.equal(ringing?.data?.id, id, `the ringing notification is for this call (shown: ${JSON.stringify(shown)})`);

    // The reject token is bound to the callee: the caller's credentials cannot use it.
    const aliceCredentials = await alice.webphone(() => window.webphone.state.credentials);
    const url = `${server.baseUrl}/api/v1/calls/${encodeURIComponent(id)}/reject`;
    const foreign = await fetchText(url, { method: 'POST', headers: { authorization: basic(aliceCredentials) } });
    assert.equal(foreign.status, 404, `reject with the caller's credentials: ${foreign.status} ${foreign.body}`);
    assert.equal(await alice.byTestId('call-state').getAttribute('data-phase') !== 'ended', true, 'the call still waits');

    // What the service worker does on "Hang up" (sw.ts notificationclick -> ApiClient.rejectCall).
    const rejected = await fetchText(url, { method: 'POST', headers: { authorization: basic(bobCredentials) } });
    assert.equal(rejected.status, 200, `reject: ${rejected.status} ${rejected.body}`);
    await waitPhase(alice, 'ended');
    assert.equal(await alice.webphone(() => window.webphone.call?.failure), 'declined', 'the caller hears "declined" (603)');
    // Single use: a second reject finds nothing.
    const again = await fetchText(url, { method: 'POST', headers: { authorization: basic(bobCredentials) } });
    assert.equal(again.status, 404, `second reject: ${again.status}`);

    // B's other devices are told: call-canceled with the same Topic (RFC 8030) and, as PushService documents,
    // the same id as the call-incoming push; it replaces the ringing notification (same tag).
    const canceled = await push.waitFor((m) => m.id === subscription.id && m.json?.notification?.data?.action === 'call-canceled'
      && m.headers.topic === message.headers.topic, 10_000);
    assert.equal(canceled.json.notification.data.from, aliceNumber);
    assert.equal(canceled.json.notification.data.id, id, 'call-canceled after a reject carries the call-incoming id');
    await deliverToServiceWorker(bob.context, page, server.baseUrl, canceled.text);
    const replaced = await poll(async () => {
      const shown = await shownNotifications(page);
      return shown.length === 1 && shown[0].title === 'Missed call' ? shown : undefined;
    }, { tries: 20, stepMs: 250 });
    assert.ok(replaced, 'the missed-call notification replaces the ringing one');
    assert.equal(replaced[0].tag, ringing.tag);
    assert.equal(replaced[0].body, `${aliceNumber} called you`);
    await waitIdle(alice);
  }));

  it('the caller hangs up while B is held: call-canceled replaces the ringing notification', diagnose('cancel', async (t) => {
    // B's page from the previous test is the service worker page (not the app): B is still unregistered.
    assert.equal(await server.metric('sip_registrations_active'), 1, 'only A is registered');
    const page = bob.page;
    await page.evaluate(async () => {
      for (const n of (await (await navigator.serviceWorker.getRegistration('/')).getNotifications())) n.close();
    });
    const message = await callClosedBob();
    const { id } = message.json.notification.data;
    const shown = await deliverAndWaitShown(bob, page, server.baseUrl, message.text, (n) => n.data?.id === id,
      (line) => t.diagnostic(line));
    const ringing = shown.find((n) => n.data?.id === id);
    assert.equal(ringing?.title, 'Incoming call', `the ringing notification for this call (shown: ${JSON.stringify(shown)})`);

    await alice.byTestId('hangup').click();
    await waitIdle(alice);
    const canceled = await push.waitFor((m) => m.id === subscription.id && m.json?.notification?.data?.action === 'call-canceled'
      && m.json.notification.data.id === id, 10_000);
    assert.equal(canceled.json.notification.data.from, aliceNumber);
    assert.equal(canceled.headers.topic, message.headers.topic, 'same Topic: the push service may replace the undelivered call push');
    await deliverToServiceWorker(bob.context, page, server.baseUrl, canceled.text);
    const replaced = await poll(async () => {
      const shown = await shownNotifications(page);
      return shown.length === 1 && shown[0].title === 'Missed call' ? shown : undefined;
    }, { tries: 20, stepMs: 250 });
    assert.ok(replaced, 'the missed-call notification replaces the ringing one');
    assert.equal(replaced[0].tag, ringing.tag);
  }));
});
