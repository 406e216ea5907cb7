import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/lib/backoff';
import { base64UrlToBytes, bytesToBase64Url } from '../src/lib/base64url';
import { parseRoute, routeHash, type Route } from '../src/lib/route';

describe('backoffDelay', () => {
  it('grows exponentially between half and all of the ceiling, capped', () => {
    expect(backoffDelay(0, 1000, 30000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 30000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 30000, () => 1)).toBe(8000);
    expect(backoffDelay(10, 1000, 30000, () => 1)).toBe(30000);
    expect(backoffDelay(1000, 1000, 30000, () => 0.5)).toBe(22500);
    expect(backoffDelay(-5, 1000, 30000, () => 0)).toBe(500);
  });
});

describe('base64url', () => {
  it('round-trips a 65-byte VAPID key', () => {
    const key = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';
    const bytes = base64UrlToBytes(key);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4); // uncompressed P-256 point
    expect(bytesToBase64Url(bytes)).toBe(key);
  });
  it('rejects characters outside the alphabet', () => {
    expect(() => base64UrlToBytes('ab+c')).toThrow(/base64url/);
  });
});

describe('routes', () => {
  const routes: Route[] = [
    { name: 'phone' },
    { name: 'phone', number: '5001' },
    { name: 'messages' },
    { name: 'conversation', peer: 'alice@example.org' },
    { name: 'contacts' },
    { name: 'contact', id: 7 },
    { name: 'contact', number: '999100' },
    { name: 'contact' },
    { name: 'history' },
    { name: 'settings' },
  ];
  it.each(routes)('round-trips %o', (r) => {
    expect(parseRoute(routeHash(r))).toEqual(r);
  });
  it('falls back to the dialer for unknown hashes', () => {
    expect(parseRoute('')).toEqual({ name: 'phone' });
    expect(parseRoute('#/nowhere')).toEqual({ name: 'phone' });
    expect(parseRoute('#/messages/%E0%A4%A')).toEqual({ name: 'conversation', peer: '%E0%A4%A' });
  });
});
