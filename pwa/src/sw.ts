/// <reference lib="webworker" />
/**
 * Service worker: offline shell, push wake-up for calls and messages, notification actions.
 * Built as a classic script to /sw.js by the plugin in vite.config.ts, which defines the two constants below.
 */
import { ApiClient } from './lib/api';
import { base64UrlToBytes } from './lib/base64url';
import { detectLanguage } from './lib/i18n';
import { clickOutcome, notificationForPush, parsePushPayload, type PushData } from './lib/pushPayload';
import { Storage, type Language } from './lib/storage';

declare const self: ServiceWorkerGlobalScope;
declare const __PRECACHE__: string[];
declare const __SW_VERSION__: string;

const CACHE = `webphone-shell-${__SW_VERSION__}`;
const api = new ApiClient();

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(__PRECACHE__)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('webphone-shell-') && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  // The page asks for this when the person taps "Reload" on the update banner.
  if (event.data?.type === 'skip-waiting') void self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/webpush/')) return;

  if (request.mode === 'navigate') {
    // The shell is the same for every app URL (?answer=..., #/messages/...): serve it from the cache so the
    // app starts at once and offline; updates arrive through a new service worker version.
    event.respondWith(
      (async () => (await caches.match('/', { cacheName: CACHE })) ?? fetch(request))().catch(
        () => new Response('offline', { status: 503 }),
      ),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cached = await caches.match(request, { cacheName: CACHE });
      if (cached) return cached;
      const response = await fetch(request);
      // Fingerprinted assets never change: keep ones missed by the precache (e.g. lazy chunks).
      if (response.ok && url.pathname.startsWith('/assets/')) {
        const copy = response.clone();
        void caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    })(),
  );
});

async function withStorage<T>(fn: (s: Storage) => Promise<T>): Promise<T | undefined> {
  let storage: Storage | undefined;
  try {
    storage = await Storage.open();
    return await fn(storage);
  } catch {
    return undefined;
  } finally {
    storage?.close();
  }
}

async function language(): Promise<Language> {
  const settings = await withStorage((s) => s.getSettings());
  if (settings && settings.language !== 'auto') return settings.language;
  return detectLanguage(self.navigator.languages);
}

async function showPush(data: PushData): Promise<void> {
  const [lang, contact] = await Promise.all([language(), withStorage((s) => s.findContact(data.from))]);
  const spec = notificationForPush(data, lang, contact?.name);
  // Tell open pages too: they may want to refresh their view (the SIP side delivers the call/message itself).
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const w of windows) w.postMessage({ type: 'push', data });
  // Every push must show a notification (userVisibleOnly), also while a page is open.
  await self.registration.showNotification(spec.title, spec.options as NotificationOptions);
}

self.addEventListener('push', (event) => {
  let json: unknown;
  try {
    json = event.data?.json();
  } catch {
    json = undefined;
  }
  const data = parsePushPayload(json);
  if (!data) {
    event.waitUntil(self.registration.showNotification('Webph.one', { body: event.data?.text() ?? '', tag: 'webphone-other', icon: '/icon-192.png' }));
    return;
  }
  event.waitUntil(showPush(data));
});

self.addEventListener('notificationclick', (event) => {
  const data = parsePushPayload({ notification: { data: event.notification.data } });
  const outcome = clickOutcome(data, event.action);
  event.notification.close();
  event.waitUntil(
    (async () => {
      if (outcome.kind === 'reject') {
        if (!outcome.callId) return;
        const credentials = await withStorage((s) => s.getCredentials());
        if (!credentials) return;
        await api.rejectCall(credentials, outcome.callId).catch(() => undefined);
        return;
      }
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const existing = windows[0];
      if (existing) {
        // An open app keeps its SIP registration: hand it the action instead of reloading it.
        existing.postMessage({ type: 'notification-click', url: outcome.url, data });
        await existing.focus().catch(() => undefined);
        return;
      }
      await self.clients.openWindow(outcome.url);
    })(),
  );
});

self.addEventListener('pushsubscriptionchange', (event) => {
  // The push service rotated the subscription: subscribe again with the same key and tell the server.
  const e = event as Event & { oldSubscription?: PushSubscription | null; waitUntil(p: Promise<unknown>): void };
  e.waitUntil(
    (async () => {
      const credentials = await withStorage((s) => s.getCredentials());
      if (!credentials) return;
      const key = await api.pushKey();
      const subscription = await self.registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64UrlToBytes(key),
      });
      await api.saveSubscription(credentials, subscription.toJSON());
    })().catch(() => undefined),
  );
});
