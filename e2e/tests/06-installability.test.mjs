// Test 6, installability: a valid web app manifest, an active service worker, and the shell loading offline.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, fetchJson, fetchText } from '../lib/server.mjs';
import { openProfile, withDiagnostics } from '../lib/browser.mjs';

/** Width and height from a PNG's IHDR chunk (throws when the bytes are not a PNG). */
function pngSize(buffer) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(buffer.length > 24 && buffer.subarray(0, 8).equals(signature), 'not a PNG');
  assert.equal(buffer.toString('latin1', 12, 16), 'IHDR');
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

describe('6. installability', { timeout: 120_000 }, () => {
  let server;
  let profile;
  const diagnose = (label, body) => withDiagnostics(label, () => server, () => [profile], body);

  before(async () => {
    server = await startServer('installability');
    profile = await openProfile('installability', { origin: server.baseUrl });
  });

  after(async () => {
    await profile?.close();
    await server?.cleanup();
  });

  it('serves a valid manifest with 192 and 512 PNG icons, standalone display and a start_url in scope',
    diagnose('manifest', async () => {
      const { page } = profile;
      const response = await page.goto(`${server.baseUrl}/`);
      assert.equal(response.status(), 200);
      const href = await page.locator('link[rel="manifest"]').getAttribute('href');
      assert.ok(href, 'index.html links a manifest');
      const manifestUrl = new URL(href, server.baseUrl);

      const res = await fetchJson(manifestUrl.href);
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'] ?? '', /application\/(manifest\+)?json/);
      const manifest = res.json;
      assert.ok(typeof manifest.name === 'string' && manifest.name.length > 0, 'manifest.name');
      assert.ok(typeof manifest.short_name === 'string' && manifest.short_name.length > 0, 'manifest.short_name');
      assert.equal(manifest.display, 'standalone');
      const scope = new URL(manifest.scope ?? '.', manifestUrl);
      const startUrl = new URL(manifest.start_url, manifestUrl);
      assert.equal(startUrl.origin, server.baseUrl);
      assert.ok(startUrl.pathname.startsWith(scope.pathname), `start_url ${startUrl} within scope ${scope}`);

      // Each declared size must be a real PNG of that size (what the browser's install check verifies).
      for (const wanted of ['192x192', '512x512']) {
        const icon = manifest.icons.find((i) => i.sizes?.split(/\s+/).includes(wanted) && (i.purpose ?? 'any').includes('any'));
        assert.ok(icon, `an icon of ${wanted} with purpose any`);
        const iconRes = await fetchText(new URL(icon.src, manifestUrl).href);
        assert.equal(iconRes.status, 200, `${icon.src}`);
        const { width, height } = pngSize(iconRes.buffer);
        assert.equal(`${width}x${height}`, wanted, `${icon.src} dimensions`);
      }
      await profile.screenshot('06-first-load');
    }));

  it('activates a service worker that keeps the shell available offline', diagnose('offline', async () => {
    const { page, context } = profile;
    if (page.url() === 'about:blank') await page.goto(`${server.baseUrl}/`);
    const sw = await page.evaluate(async () => {
      const reg = await Promise.race([
        navigator.serviceWorker.ready,
        new Promise((_, reject) => setTimeout(() => reject(new Error('service worker not ready in 20 s')), 20_000)),
      ]);
      const worker = reg.active;
      if (worker.state !== 'activated') {
        await new Promise((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
      }
      return { scope: reg.scope, script: worker.scriptURL, state: worker.state };
    });
    assert.equal(sw.state, 'activated');
    assert.equal(sw.scope, `${server.baseUrl}/`);
    assert.equal(sw.script, `${server.baseUrl}/sw.js`);

    await context.setOffline(true);
    try {
      // The network really is gone for the page: the API (never cached by the worker) cannot be reached.
      const api = await page.evaluate(() => fetch('/api/v1/config', { cache: 'no-store' }).then((r) => `status ${r.status}`, () => 'network error'));
      assert.equal(api, 'network error');

      const reload = await page.reload({ waitUntil: 'load' });
      assert.ok(reload, 'reload produced a response');
      assert.equal(reload.status(), 200);
      assert.ok(reload.fromServiceWorker(), 'the offline document came from the service worker');
      // The shell renders the app (first run: the "get a number" screen), styled and scripted from the cache.
      await profile.byTestId('get-number').waitFor({ state: 'visible' });
      const appChildren = await page.evaluate(() => document.getElementById('app')?.childElementCount ?? 0);
      assert.ok(appChildren > 0, 'the app rendered into #app');
      await profile.screenshot('06-offline-shell');
    } finally {
      await context.setOffline(false);
    }
  }));
});
