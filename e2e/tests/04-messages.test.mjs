// Test 4, text messages between two browsers (SIP MESSAGE through the server's proxy): delivered at once while the
// callee's app is open; and while it is closed, stored by the server (202), announced by an sms-incoming push,
// and delivered as a SIP MESSAGE when the app opens and registers.
//
// Headless chromium has no real push service, so B's push subscription is registered with the server directly
// through the API (POST /api/v1/push/subscriptions with B's credentials) with the endpoint and keys of the
// harness's push-service stand-in (lib/pushservice.mjs, a real HTTPS server the server trusts through JVM trust
// store options); the test hands the decrypted push to B's service worker through the DevTools protocol.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../lib/server.mjs';
import { openProfile, withDiagnostics } from '../lib/browser.mjs';
import { sendText, takeNumber, waitBubble, waitRegistered } from '../lib/app.mjs';
import { MockPushService, deliverToServiceWorker, openServiceWorkerPage, registerSubscription, shownNotifications } from '../lib/pushservice.mjs';

describe('4. messages', { timeout: 180_000 }, () => {
  let server;
  let push;
  let alice;
  let bob;
  let aliceNumber;
  let bobNumber;
  const diagnose = (label, body) => withDiagnostics(label, () => server, () => [alice, bob], body);

  before(async () => {
    push = await new MockPushService().start();
    server = await startServer('messages', {}, { jvmOptions: push.tls.jvmTrustOptions });
    alice = await openProfile('alice', { origin: server.baseUrl });
    bob = await openProfile('bob', { origin: server.baseUrl });
    aliceNumber = await takeNumber(alice, server);
    bobNumber = await takeNumber(bob, server);
    await Promise.all([waitRegistered(alice), waitRegistered(bob)]);
  });

  after(async () => {
    await alice?.close();
    await bob?.close();
    await server?.cleanup();
    await push?.stop();
  });

  it('A texts B while B is online: delivered, and B sees it', diagnose('online', async () => {
    const text = `hello ${Date.now()}`;
    await sendText(alice, bobNumber, text);
    await alice.page.locator('[data-testid="messages"] li.bubble.out[data-state="delivered"]', { hasText: text }).waitFor();
    await bob.byTestId('tab-messages').click();
    await bob.page.locator(`[data-testid="conversation-list"] a[data-peer="${aliceNumber}"]`).click();
    assert.equal(await waitBubble(bob, text), 'received');
    await bob.screenshot('04-conversation');
  }));

  it('A texts B while B is closed: stored, pushed, delivered when B opens the app', diagnose('offline', async (t) => {
    const credentials = await bob.webphone(() => window.webphone.state.credentials);
    assert.equal(credentials?.number, bobNumber);
    const subscription = push.subscribe();
    await registerSubscription(server, credentials, subscription.json);

    // Close B's app and wait until the registrar dropped its contact (its WebSocket closed with the page).
    await bob.page.close();
    let active;
    for (let i = 0; i < 40 && (active = await server.metric('sip_registrations_active')) !== 1; i++) await sleep(250);
    assert.equal(active, 1, 'only A is registered');

    const text = `while you were away ${Date.now()} ñ`;
    await sendText(alice, bobNumber, text);
    // Accepted by the server for later delivery: 202, which the app shows as "sent" (200 would be "delivered").
    await alice.page.locator('[data-testid="messages"] li.bubble.out:not([data-state="sending"])', { hasText: text }).waitFor();
    assert.equal(await waitBubble(alice, text), 'sent', 'the server answered 202 (stored), not 200');

    // The server announces it with an sms-incoming push carrying sender and text.
    const message = await push.waitFor((m) => m.id === subscription.id && m.json?.notification?.data?.action === 'sms-incoming', 10_000);
    t.diagnostic(`push: ${message.text}`);
    assert.equal(message.json.notification.data.from, aliceNumber);
    assert.equal(message.json.notification.data.content, text);
    assert.equal(message.headers.urgency, 'high');

    // The push reaches B's service worker (through the DevTools protocol: no real push service), which shows it.
    const page = await openServiceWorkerPage(bob, server.baseUrl);
    await deliverToServiceWorker(bob.context, page, server.baseUrl, message.text);
    const notifications = await shownNotifications(page);
    assert.equal(notifications.length, 1, `one notification: ${JSON.stringify(notifications)}`);
    assert.equal(notifications[0].title, `Message from ${aliceNumber}`);
    assert.equal(notifications[0].body, text);
    assert.equal(await server.metric('sip_registrations_active'), 1, 'the notification alone does not register B');

    // Tapping it opens the conversation (pwa/src/lib/pushPayload.ts clickOutcome: /#/messages/<from>); the app
    // registers and the server delivers the stored MESSAGE down the new registration.
    await page.goto(`${server.baseUrl}/#/messages/${encodeURIComponent(aliceNumber)}`);
    await waitRegistered(bob);
    assert.equal(await waitBubble(bob, text), 'received');
    await bob.screenshot('04-offline-message-delivered');
    await bob.byTestId('tab-messages').click();
    await bob.page.locator(`[data-testid="conversation-list"] a[data-peer="${aliceNumber}"]`, { hasText: text }).waitFor();

    // Delivered once: the server deleted it after B's 200, so opening the app again brings no copy.
    await bob.page.reload();
    await waitRegistered(bob);
    await bob.page.goto(`${server.baseUrl}/#/messages/${encodeURIComponent(aliceNumber)}`);
    await waitBubble(bob, text);
    await sleep(1500);
    assert.equal(await bob.page.locator('[data-testid="messages"] li.bubble.in', { hasText: text }).count(), 1, 'delivered exactly once');
  }));
});
