/**
 * Push payload -> notification, and notification click -> what to do. Pure functions shared by the service
 * worker and the tests. Payload (from the server): {"notification":{"title":"Webph.one","data":{"action":
 * "call-incoming"|"call-canceled"|"sms-incoming","from":"<number>","id":"<call id>","content"?:"<text>"}}}.
 */
import type { Language } from './storage';
import { translate } from './i18n';

export type PushAction = 'call-incoming' | 'call-canceled' | 'sms-incoming';

export interface PushData {
  action: PushAction;
  from: string;
  id?: string;
  content?: string;
}

export interface NotificationAction {
  action: string;
  title: string;
}

export interface NotificationSpec {
  title: string;
  options: {
    body: string;
    tag: string;
    icon: string;
    badge: string;
    data: PushData;
    actions?: NotificationAction[];
    requireInteraction?: boolean;
    renotify?: boolean;
    silent?: boolean;
    vibrate?: number[];
  };
}

const ACTIONS: PushAction[] = ['call-incoming', 'call-canceled', 'sms-incoming'];

/** Accepts the wrapped form and a bare data object; anything else (or an unknown action) is undefined. */
export function parsePushPayload(json: unknown): PushData | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const wrapped = (json as { notification?: { data?: unknown } }).notification;
  const data = (wrapped && typeof wrapped === 'object' ? wrapped.data : json) as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object') return undefined;
  const action = data.action;
  if (typeof action !== 'string' || !(ACTIONS as string[]).includes(action)) return undefined;
  const from = typeof data.from === 'string' && data.from ? data.from : '?';
  const result: PushData = { action: action as PushAction, from };
  if (typeof data.id === 'string' && data.id) result.id = data.id;
  if (typeof data.content === 'string') result.content = data.content;
  return result;
}

/**
 * The tag groups the notifications of one call: a later call-canceled replaces the ringing notification
 * instead of adding a second one. Keyed by caller (not call id) so it works whether or not the server reuses
 * the id in the cancel message.
 */
export function callTag(from: string): string {
  return `call-${from}`;
}

export function notificationForPush(data: PushData, lang: Language, displayName?: string): NotificationSpec {
  const who = displayName || data.from;
  const common = { icon: '/icon-192.png', badge: '/icon-192.png', data };
  switch (data.action) {
    case 'call-incoming':
      return {
        title: translate(lang, 'notify.incomingTitle'),
        options: {
          ...common,
          body: translate(lang, 'notify.incomingBody', { from: who }),
          tag: callTag(data.from),
          actions: [
            { action: 'answer', title: translate(lang, 'notify.answer') },
            { action: 'hangup', title: translate(lang, 'notify.hangup') },
          ],
          requireInteraction: true,
          renotify: true,
          vibrate: [400, 200, 400, 200, 400],
        },
      };
    case 'call-canceled':
      return {
        title: translate(lang, 'notify.missedTitle'),
        options: {
          ...common,
          body: translate(lang, 'notify.missedBody', { from: who }),
          tag: callTag(data.from),
          renotify: false,
          silent: true,
        },
      };
    case 'sms-incoming':
      return {
        title: translate(lang, 'notify.smsTitle', { from: who }),
        options: {
          ...common,
          body: data.content ?? '',
          tag: `sms-${data.from}`,
          renotify: true,
        },
      };
  }
}

export type ClickOutcome =
  | { kind: 'open'; url: string }
  | { kind: 'reject'; callId: string | undefined; from: string };

/** What a tap on a notification (or one of its buttons) does. A plain tap on a ringing call answers it. */
export function clickOutcome(data: PushData | undefined, action: string): ClickOutcome {
  if (!data) return { kind: 'open', url: '/' };
  switch (data.action) {
    case 'call-incoming': {
      if (action === 'hangup') return { kind: 'reject', callId: data.id, from: data.from };
      const params = new URLSearchParams({ answer: data.id ?? '', from: data.from });
      return { kind: 'open', url: `/?${params.toString()}` };
    }
    case 'call-canceled':
      return { kind: 'open', url: '/#/history' };
    case 'sms-incoming':
      return { kind: 'open', url: `/#/messages/${encodeURIComponent(data.from)}` };
  }
}
