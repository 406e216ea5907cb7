// Test 1, first run on a fresh profile: the app asks the server for a number, shows it, keeps it, the server
// has the account, and the app registers over secure WebSocket (the registrar's gauge counts its contact).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, fetchJson } from '../lib/server.mjs';
import { openProfile, withDiagnostics } from '../lib/browser.mjs';
import { waitRegistered } from '../lib/app.mjs';

describe('1. first run', { timeout: 150_000 }, () => {
  let server;
  let profile;
  let config;
  let number;
  const diagnose = (label, body) => withDiagnostics(label, () => server, () => [profile], body);

  before(async () => {
    server = await startServer('first-run');
    config = (await fetchJson(`${server.baseUrl}/api/v1/config`)).json;
    profile = await openProfile('first-run', { origin: server.baseUrl });
  });

  after(async () => {
    await profile?.close();
    await server?.cleanup();
  });

  it('allocates a number from the server and shows it', diagnose('allocate', async () => {
    const { page } = profile;
    await page.goto(`${server.baseUrl}/`);
    await profile.screenshot('01-onboarding');
    await profile.byTestId('get-number').click();

    const shown = profile.byTestId('own-number');
    await shown.waitFor({ state: 'visible' });
    number = (await shown.textContent()).trim();
    const prefixes = config.dialRules.virtualPrefixes;
    assert.ok(prefixes.length > 0, 'the config lists the number prefixes');
    assert.match(number, /^\d+$/, `own number "${number}" is digits`);
    assert.ok(prefixes.some((p) => number.startsWith(p)), `${number} starts with one of ${prefixes}`);

    // The app kept what the server returned (IndexedDB via the controller) for this very number.
    const credentials = await profile.webphone(() => window.webphone.state.credentials);
    assert.equal(credentials.number, number);
    assert.equal(credentials.domain, config.domain);
    assert.ok(credentials.password?.length >= 8, 'a password of reasonable length');
    assert.equal(credentials.sipUri, `sip:${number}@${config.domain}`);
    assert.equal(credentials.wsUrl, config.wsUrl);

    await profile.screenshot('01-your-number');
  }));

  it('the server has the new account', diagnose('server-account', async () => {
    assert.ok(number, 'a number was allocated by the previous step');
    // The CLI reads the same database the running server uses (H2 in AUTO_SERVER mode).
    const listing = await server.cli(['numbers', 'list']);
    const row = listing.split('\n').find((line) => line.split(/\s+/)[0] === number);
    assert.ok(row, `numbers list shows ${number}:\n${listing}`);
    assert.match(row, /\benabled\b/);
    assert.match(listing, /^1 number\(s\)$/m);
  }));

  it('keeps the number across a reload and opens the phone screen', diagnose('reload', async () => {
    const { page } = profile;
    await page.reload();
    // Stored credentials skip the onboarding: the header shows the same number.
    await profile.byTestId('status').waitFor({ state: 'visible' });
    assert.equal((await profile.byTestId('own-number').textContent()).trim(), number);
    await profile.byTestId('dial-input').waitFor({ state: 'visible' });
    await profile.screenshot('01-dialer');
  }));

  it('registers over secure WebSocket and the registrar holds the contact', diagnose('register', async () => {
    await waitRegistered(profile);
    // The registrar's live bindings: exactly this browser.
    assert.equal(await server.metric('sip_registrations_active'), 1);
  }));

  it('closing the app removes its contact at once', diagnose('unregister', async () => {
    await profile.page.close();
    // The binding belongs to the WebSocket connection: it goes when the connection goes, not at expiry.
    let active;
    for (let i = 0; i < 20 && (active = await server.metric('sip_registrations_active')) !== 0; i++) await sleep(250);
    assert.equal(active, 0);
  }));
});
