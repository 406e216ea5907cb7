import { describe, expect, it } from 'vitest';
import { callTag, clickOutcome, notificationForPush, parsePushPayload } from '../src/lib/pushPayload';

const wrap = (data: unknown) => ({ notification: { title: 'Webph.one', data } });

describe('parsePushPayload', () => {
  it('reads the server format', () => {
    expect(parsePushPayload(wrap({ action: 'call-incoming', from: '99910012345', id: 'c1' }))).toEqual({
      action: 'call-incoming',
      from: '99910012345',
      id: 'c1',
    });
    expect(parsePushPayload(wrap({ action: 'sms-incoming', from: '5', id: 'm', content: 'hola' }))).toMatchObject({ content: 'hola' });
  });

  it('accepts bare data and rejects unknown or broken payloads', () => {
    expect(parsePushPayload({ action: 'call-canceled', from: '1' })).toEqual({ action: 'call-canceled', from: '1' });
    expect(parsePushPayload(wrap({ action: 'reboot', from: '1' }))).toBeUndefined();
    expect(parsePushPayload(null)).toBeUndefined();
    expect(parsePushPayload('text')).toBeUndefined();
    expect(parsePushPayload(wrap(null))).toBeUndefined();
    expect(parsePushPayload(wrap({ action: 'call-incoming' }))).toEqual({ action: 'call-incoming', from: '?' });
  });
});

describe('notificationForPush', () => {
  it('shows an incoming call with Answer and Hang up', () => {
    const n = notificationForPush({ action: 'call-incoming', from: '99910012345', id: 'c1' }, 'en');
    expect(n.title).toBe('Incoming call');
    expect(n.options.body).toBe('99910012345 is calling you');
    expect(n.options.actions).toEqual([
      { action: 'answer', title: 'Answer' },
      { action: 'hangup', title: 'Hang up' },
    ]);
    expect(n.options.requireInteraction).toBe(true);
    expect(n.options.tag).toBe(callTag('99910012345'));
    expect(n.options.data).toEqual({ action: 'call-incoming', from: '99910012345', id: 'c1' });
  });

  it('replaces the ringing notification with a missed call (same tag)', () => {
    const ringing = notificationForPush({ action: 'call-incoming', from: '42', id: 'c1' }, 'es');
    const missed = notificationForPush({ action: 'call-canceled', from: '42', id: 'c1' }, 'es');
    expect(missed.options.tag).toBe(ringing.options.tag);
    expect(missed.title).toBe('Llamada perdida');
    expect(missed.options.body).toBe('42 te llamó');
    expect(missed.options.actions).toBeUndefined();
  });

  it('shows a message with its text and the contact name when known', () => {
    const n = notificationForPush({ action: 'sms-incoming', from: '42', content: 'hola' }, 'en', 'Ana');
    expect(n.title).toBe('Message from Ana');
    expect(n.options.body).toBe('hola');
    expect(n.options.tag).toBe('sms-42');
  });
});

describe('clickOutcome', () => {
  const call = { action: 'call-incoming' as const, from: '42', id: 'abc-1' };
  it('answers on a plain tap and on Answer', () => {
    expect(clickOutcome(call, '')).toEqual({ kind: 'open', url: '/?answer=abc-1&from=42' });
    expect(clickOutcome(call, 'answer')).toEqual({ kind: 'open', url: '/?answer=abc-1&from=42' });
  });
  it('rejects through the API on Hang up', () => {
    expect(clickOutcome(call, 'hangup')).toEqual({ kind: 'reject', callId: 'abc-1', from: '42' });
  });
  it('opens history for a missed call and the conversation for a message', () => {
    expect(clickOutcome({ action: 'call-canceled', from: '42' }, '')).toEqual({ kind: 'open', url: '/#/history' });
    expect(clickOutcome({ action: 'sms-incoming', from: 'a@b.c' }, '')).toEqual({ kind: 'open', url: '/#/messages/a%40b.c' });
    expect(clickOutcome(undefined, '')).toEqual({ kind: 'open', url: '/' });
  });
});
