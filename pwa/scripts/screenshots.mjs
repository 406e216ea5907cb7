// Screenshots of the main screens for review: builds nothing, expects `npm run build` first.
// Runs `vite preview` with the mock API and drives Debian's headless chromium over the DevTools protocol.
// Usage: node --experimental-websocket scripts/screenshots.mjs [outDir]   (default ../docs/screenshots)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const out = resolve(process.argv[2] ?? '../docs/screenshots');
const PREVIEW_PORT = 4173;
const DEBUG_PORT = 9333;
const base = `http://localhost:${PREVIEW_PORT}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(url, tries = 60) {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return r;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  throw new Error(`${url} did not come up`);
}

const preview = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--port', String(PREVIEW_PORT), '--strictPort'], {
  env: { ...process.env, WEBPHONE_MOCK_API: '1' },
  stdio: 'ignore',
});
const profile = mkdtempSync(join(tmpdir(), 'shots-'));
const browser = spawn('chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', `--remote-debugging-port=${DEBUG_PORT}`, `--user-data-dir=${profile}`,
  '--lang=en-US', 'about:blank',
], { stdio: 'ignore' });

let ws;
let nextId = 1;
const pending = new Map();
function send(method, params = {}) {
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((res, rej) => pending.set(id, { res, rej }));
}
async function evaluate(expression) {
  const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
  if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
  return r.result.value;
}
async function shot(name) {
  await sleep(400);
  const r = await send('Page.captureScreenshot', { format: 'png' });
  writeFileSync(join(out, `${name}.png`), Buffer.from(r.data, 'base64'));
  console.log(`${out}/${name}.png`);
}
const click = (testid) => evaluate(`document.querySelector('[data-testid="${testid}"]').click()`);

try {
  mkdirSync(out, { recursive: true });
  await waitFor(`${base}/`);
  await waitFor(`http://127.0.0.1:${DEBUG_PORT}/json/version`);
  const targets = await (await fetch(`http://127.0.0.1:${DEBUG_PORT}/json/list`)).json();
  const page = targets.find((t) => t.type === 'page');
  ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((r) => ws.addEventListener('open', r));
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(e.data);
    if (msg.method === 'Runtime.exceptionThrown') console.error('page exception:', msg.params.exceptionDetails.exception?.description);
    if (msg.method === 'Runtime.consoleAPICalled' && msg.params.type === 'error') console.error('console.error:', msg.params.args.map((a) => a.value ?? a.description).join(' '));
    if (msg.id && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p.rej(new Error(msg.error.message));
      else p.res(msg.result);
    }
  });
  await send('Page.enable');
  await send('Runtime.enable');
  await send('Emulation.setDeviceMetricsOverride', { width: 390, height: 844, deviceScaleFactor: 1, mobile: true });
  await send('Page.navigate', { url: `${base}/` });
  await sleep(1500);
  await shot('01-onboarding');

  await click('get-number');
  await sleep(1500);
  await shot('02-your-number');

  await click('start');
  await evaluate(`(() => { const i = document.querySelector('[data-testid="dial-input"]'); i.value = '99920054321'; i.dispatchEvent(new Event('input', { bubbles: true })); })()`);
  await shot('03-dialer');

  // Sample data through the app's own storage layer.
  await evaluate(`(async () => {
    const c = window.webphone.controller, s = c.storage, now = Date.now();
    await s.saveContact({ name: 'Ana (Oaxaca)', number: '99920054321' });
    await s.saveContact({ name: 'Radio comunitaria', number: '5001' });
    await s.addMessage({ peer: '99920054321', direction: 'in', body: '¿Llegas mañana a la asamblea?', time: now - 3600e3, state: 'received', read: true });
    await s.addMessage({ peer: '99920054321', direction: 'out', body: 'Sí, llego a las 10.', time: now - 3500e3, state: 'delivered', read: true });
    await s.addMessage({ peer: '99920054321', direction: 'out', body: '¿Llevo algo?', time: now - 3400e3, state: 'sent', read: true });
    await s.addMessage({ peer: '52551234', direction: 'in', body: 'Recarga confirmada', time: now - 600e3, state: 'received', read: false });
    await s.addCall({ callId: 'a', peer: '99920054321', direction: 'out', start: now - 7200e3, answered: now - 7195e3, end: now - 7000e3, outcome: 'answered' });
    await s.addCall({ callId: 'b', peer: '52551234', direction: 'in', start: now - 900e3, end: now - 880e3, outcome: 'missed' });
    await s.addCall({ callId: 'c', peer: '99910077777', direction: 'out', start: now - 300e3, end: now - 299e3, outcome: 'busy' });
    await c.refreshLists();
  })()`);
  await evaluate(`location.hash = '#/messages'`);
  await shot('04-messages');
  await evaluate(`location.hash = '#/messages/99920054321'`);
  await shot('05-conversation');
  await evaluate(`location.hash = '#/contacts'`);
  await shot('06-contacts');
  await evaluate(`location.hash = '#/history'`);
  await shot('07-history');

  // Call screens: the state the phone publishes, set directly (no SIP server behind the mock API).
  await evaluate(`window.webphone.controller.store.set({ call: { direction: 'in', peer: '99920054321', phase: 'incoming', startedAt: Date.now(), muted: false } })`);
  await shot('08-incoming-call');
  await evaluate(`window.webphone.controller.store.set({ call: { direction: 'out', peer: '99920054321', phase: 'active', startedAt: Date.now() - 80e3, answeredAt: Date.now() - 75e3, muted: true } })`);
  await shot('09-in-call');
  await evaluate(`window.webphone.controller.store.set({ call: { direction: 'out', peer: '99910077777', phase: 'ended', startedAt: Date.now(), endedAt: Date.now(), muted: false, failure: 'busy' } })`);
  await shot('10-call-busy');
  await evaluate(`window.webphone.controller.store.set({ call: null })`);

  await evaluate(`window.webphone.controller.updateSettings({ language: 'es' })`);
  await evaluate(`location.hash = '#/settings'`);
  await shot('11-settings-es');
  await evaluate(`location.hash = '#/phone'`);
  await shot('12-dialer-es');
} finally {
  ws?.close();
  browser.kill();
  preview.kill();
  await sleep(300);
  rmSync(profile, { recursive: true, force: true });
}
