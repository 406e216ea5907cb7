// Test 4, text messages between two browsers (SIP MESSAGE through the server's proxy), delivered at once while
// the callee's app is open.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { openProfile, withDiagnostics } from '../lib/browser.mjs';
import { sendText, takeNumber, waitBubble, waitRegistered } from '../lib/app.mjs';

describe('4. messages', { timeout: 180_000 }, () => {
  let server;
  let alice;
  let bob;
  let aliceNumber;
  let bobNumber;
  const diagnose = (label, body) => withDiagnostics(label, () => server, () => [alice, bob], body);

  before(async () => {
    server = await startServer('messages');
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
});
