import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, basicAuth, errorKindForStatus, toCallRecord } from '../src/lib/api';

type Call = { url: string; init?: RequestInit };

function fakeServer(status: number, body: unknown, calls: Call[] = []) {
  return new ApiClient('https://example.test', async (url, init) => {
    calls.push({ url, init });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { 'Content-Type': 'application/json' } });
  });
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('errorKindForStatus', () => {
  it('maps the statuses of the numbers API', () => {
    expect(errorKindForStatus(400)).toBe('badRequest');
    expect(errorKindForStatus(401)).toBe('unauthorized');
    expect(errorKindForStatus(409)).toBe('conflict');
    expect(errorKindForStatus(429)).toBe('rateLimited');
    expect(errorKindForStatus(503)).toBe('unavailable');
    expect(errorKindForStatus(500)).toBe('server');
  });
});

describe('ApiClient', () => {
  it('creates a number with the chosen prefix', async () => {
    const calls: Call[] = [];
    const api = fakeServer(201, { number: '99910012345', password: 'ab12cd34', domain: 'localhost', sipUri: 'sip:99910012345@localhost', wsUrl: 'wss://localhost:8443/' }, calls);
    const created = await api.createNumber('999100');
    expect(created).toEqual({ number: '99910012345', password: 'ab12cd34', domain: 'localhost', sipUri: 'sip:99910012345@localhost', wsUrl: 'wss://localhost:8443/' });
    expect(calls[0].url).toBe('https://example.test/api/v1/numbers');
    expect(calls[0].init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ prefix: '999100' });
  });

  it('carries the server error text as detail', async () => {
    const e = await failure(fakeServer(429, { error: 'too many numbers from your address' }).createNumber());
    expect(e.kind).toBe('rateLimited');
    expect(e.status).toBe(429);
    expect(e.detail).toBe('too many numbers from your address');
  });

  it('maps an HTML error page without crashing', async () => {
    const e = await failure(fakeServer(503, '<html>down</html>').config());
    expect(e.kind).toBe('unavailable');
    expect(e.detail).toBeUndefined();
  });

  it('reports network failures', async () => {
    const api = new ApiClient('', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect((await failure(api.pushKey())).kind).toBe('network');
  });

  it('rejects successful but malformed answers', async () => {
    expect((await failure(fakeServer(201, { number: '1' }).createNumber())).kind).toBe('badResponse');
    expect((await failure(fakeServer(200, 'not json').config())).kind).toBe('badResponse');
    expect((await failure(fakeServer(200, { domain: 'x' }).config())).kind).toBe('badResponse');
    expect((await failure(fakeServer(200, {}).pushKey())).kind).toBe('badResponse');
  });

  it('parses the config with defaults for optional parts', async () => {
    const config = await fakeServer(200, { domain: 'localhost', wsUrl: 'wss://localhost:8443/' }).config();
    expect(config).toEqual({
      domain: 'localhost',
      wsUrl: 'wss://localhost:8443/',
      dialRules: { virtualPrefixes: [], conferencePrefix: '', communityPrefixes: [] },
      push: { enabled: true },
    });
  });

  it('authenticates push and reject calls with HTTP Basic', async () => {
    const calls: Call[] = [];
    const api = fakeServer(201, {}, calls);
    const creds = { number: '99910012345', password: 'ab12cd34', domain: 'd', sipUri: 's', wsUrl: 'w' };
    await api.saveSubscription(creds, { endpoint: 'https://push.test/1', keys: { p256dh: 'p', auth: 'a' } });
    await api.rejectCall(creds, 'call/1');
    const auth = `Basic ${Buffer.from('99910012345:ab12cd34').toString('base64')}`;
    expect((calls[0].init?.headers as Record<string, string>).Authorization).toBe(auth);
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ endpoint: 'https://push.test/1', keys: { p256dh: 'p', auth: 'a' } });
    expect(calls[1].url).toBe('https://example.test/api/v1/calls/call%2F1/reject');
    expect(basicAuth({ number: 'ñ', password: 'x' })).toBe(`Basic ${Buffer.from('ñ:x').toString('base64')}`);
  });

  it('converts the server call history, skipping broken entries', async () => {
    const api = fakeServer(200, [
      { callId: 'a', direction: 'incoming', peer: '42', start: '2025-01-01T10:00:00Z', answer: null, end: '2025-01-01T10:00:20Z', outcome: 'MISSED' },
      { callId: 'b', direction: 'out', peer: '43', start: 1735725600000, answer: 1735725605000, end: 1735725660000, outcome: 'answered' },
      { direction: 'in', peer: '44', start: 'x', outcome: 'missed' },
    ]);
    const creds = { number: '1', password: '2', domain: 'd', sipUri: 's', wsUrl: 'w' };
    expect(await api.myCalls(creds)).toEqual([
      { callId: 'a', peer: '42', direction: 'in', start: Date.parse('2025-01-01T10:00:00Z'), answered: undefined, end: Date.parse('2025-01-01T10:00:20Z'), outcome: 'missed' },
      { callId: 'b', peer: '43', direction: 'out', start: 1735725600000, answered: 1735725605000, end: 1735725660000, outcome: 'answered' },
    ]);
    expect(toCallRecord({ callId: 'c', direction: 'in', peer: '1', start: 5, outcome: 'weird' })?.outcome).toBe('failed');
  });
});
