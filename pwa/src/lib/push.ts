import type { ApiClient } from './api';
import { base64UrlToBytes, bytesToBase64Url } from './base64url';
import type { Credentials, Storage } from './storage';

/**
 * enabled: subscribed and the server has the subscription; prompt: not asked yet; denied: the person (or
 * browser) refused; unsupported: no service worker / Push API (e.g. iOS Safari outside an installed app);
 * failed: something in between broke (server, push service).
 */
export type PushStatus = 'enabled' | 'prompt' | 'denied' | 'unsupported' | 'failed';

export function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

async function registration(timeoutMs = 10000): Promise<ServiceWorkerRegistration> {
  return Promise.race([
    navigator.serviceWorker.ready,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('service worker not ready')), timeoutMs)),
  ]);
}

/** The current state without asking the person anything. */
export async function pushStatus(): Promise<PushStatus> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  if (Notification.permission === 'default') return 'prompt';
  try {
    const sub = await (await registration(3000)).pushManager.getSubscription();
    return sub ? 'enabled' : 'prompt';
  } catch {
    return 'failed';
  }
}

/**
 * Asks for permission if needed, subscribes with the server's VAPID key (replacing a subscription made with
 * another key) and posts it to the server. Safe to call on every start: the server keeps one per endpoint.
 */
export async function enablePush(api: ApiClient, credentials: Credentials, storage: Storage, ask = true): Promise<PushStatus> {
  if (!pushSupported()) return 'unsupported';
  let permission = Notification.permission;
  if (permission === 'default' && ask) permission = await Notification.requestPermission();
  if (permission === 'denied') return 'denied';
  if (permission !== 'granted') return 'prompt';
  try {
    const reg = await registration();
    const key = await api.pushKey();
    let sub = await reg.pushManager.getSubscription();
    const existingKey = sub?.options.applicationServerKey;
    if (sub && existingKey && bytesToBase64Url(existingKey) !== key.replace(/=+$/, '')) {
      await sub.unsubscribe();
      sub = null;
    }
    // A browser that cannot reach its push service never settles subscribe(): give up after a while so the app
    // can say plainly that calls only ring while it is open.
    sub ??= await withTimeout(
      reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key) }),
      SUBSCRIBE_TIMEOUT_MS,
    );
    await api.saveSubscription(credentials, sub.toJSON());
    await storage.kvSet('pushEndpoint', sub.endpoint);
    return 'enabled';
  } catch (e) {
    console.warn('push subscription failed', e);
    return 'failed';
  }
}

const SUBSCRIBE_TIMEOUT_MS = 10_000;

/** Rejects when the promise has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}
