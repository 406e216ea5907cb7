// Browser profiles for the tests: Debian's chromium (never a downloaded browser) driven by playwright-core.
// Each profile is a fresh persistent context in its own temporary directory, so it has its own service worker,
// IndexedDB and push subscription like a separate phone.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { SCREENSHOT_DIR } from './paths.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  // The fake microphone plays a beep, so the far end measures a non-zero audio level.
  '--use-fake-device-for-media-stream',
  // The test server's certificate is self-signed (also ignoreHTTPSErrors below, which covers fetches and the
  // service worker script; the flag covers WebSocket connections).
  '--ignore-certificate-errors',
];

/** Bounded waits for every Playwright action and navigation of a profile. */
const ACTION_TIMEOUT_MS = 15_000;

export class Profile {
  constructor(name, dir, context, page) {
    this.name = name;
    this.dir = dir;
    this.context = context;
    this.page = page;
    /** Console lines and page errors, printed when a test fails. */
    this.console = [];
    /** SIP messages on the app's WebSocket, in order. */
    this.sip = [];
    this.watch(page);
  }

  watch(page) {
    page.on('console', (msg) => this.console.push(`[${this.name} console.${msg.type()}] ${msg.text()}`));
    page.on('pageerror', (err) => this.console.push(`[${this.name} pageerror] ${err.stack ?? err.message}`));
    // SIP over WebSocket, both directions, so a failed registration or call shows what was said.
    page.on('websocket', (ws) => {
      this.console.push(`[${this.name} websocket] open ${ws.url()}`);
      const record = (dir) => (frame) => {
        const text = typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8');
        this.sip.push(`[${this.name} ${dir}] ${text.length > 1500 ? `${text.slice(0, 1500)}...` : text}`);
      };
      ws.on('framesent', record('sip >>'));
      ws.on('framereceived', record('sip <<'));
      ws.on('close', () => this.console.push(`[${this.name} websocket] closed ${ws.url()}`));
      ws.on('socketerror', (e) => this.console.push(`[${this.name} websocket] error ${e}`));
    });
  }

  sipTail(messages = 12) {
    return this.sip.slice(-messages).join('\n');
  }

  consoleTail(lines = 40) {
    return this.console.slice(-lines).join('\n');
  }

  /** Saves a PNG of the page into e2e/target/screenshots/<name>.png and returns its path. */
  async screenshot(name) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  byTestId(id) {
    return this.page.locator(`[data-testid="${id}"]`);
  }

  /** Evaluates a function in the page against window.webphone (the app's debug object). */
  webphone(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  async close() {
    await this.context.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Launches chromium with a fresh profile directory; `origin` gets microphone and notification permissions. */
export async function openProfile(name, { origin } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `webphone-e2e-profile-${name}-`));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ignoreHTTPSErrors: true,
    serviceWorkers: 'allow',
    locale: 'en-US',
    viewport: { width: 390, height: 844 },
    timeout: 30_000,
  });
  try {
    if (origin) await context.grantPermissions(['microphone', 'notifications'], { origin });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    return new Profile(name, dir, context, page);
  } catch (e) {
    await context.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Wraps a test body so a failure carries what is needed to understand it: the server log tail, each profile's
 * console and a screenshot of each page (e2e/target/screenshots/FAILED-<test>-<profile>.png).
 */
export function withDiagnostics(label, getServer, getProfiles, body) {
  return async (t) => {
    try {
      await body(t);
    } catch (error) {
      const parts = [];
      for (const p of getProfiles().filter(Boolean)) {
        const shot = await p.screenshot(`FAILED-${label}-${p.name}`).catch(() => '(screenshot failed)');
        parts.push(`--- ${p.name}: screenshot ${shot}\n${p.consoleTail()}\n--- ${p.name}: last SIP messages\n${p.sipTail()}`);
      }
      const server = getServer();
      if (server) parts.push(server.logTail());
      const extra = `\n\n${parts.join('\n')}`;
      // The runner prints the stack (which embeds the message as it was when the error was made).
      if (error instanceof Error) {
        error.message += extra;
        if (error.stack) error.stack += extra;
      }
      throw error;
    }
  };
}
