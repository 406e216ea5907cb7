/**
 * The Phone against an in-memory SIP registrar (a JsSIP Socket that answers like the server): digest
 * registration with the configured realm/user, MESSAGE delivery states and incoming MESSAGEs.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'jssip/lib/Socket';
import { Phone, type IncomingText, type RegState } from '../src/lib/phone';
import type { ServerConfig } from '../src/lib/config';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const creds = { number: '99910012345', password: 'ab12cd34', domain: 'localhost', sipUri: 'sip:99910012345@localhost', wsUrl: 'wss://localhost:8443/' };
const config: ServerConfig = {
  domain: 'localhost',
  wsUrl: 'wss://localhost:8443/',
  dialRules: { virtualPrefixes: ['999100'], conferencePrefix: '500', communityPrefixes: [] },
  push: { enabled: true },
};

interface Parsed {
  method: string;
  uri: string;
  headers: Map<string, string>;
  body: string;
}

function parse(raw: string): Parsed {
  const [head, body = ''] = raw.split('\r\n\r\n');
  const [start, ...lines] = head.split('\r\n');
  const [method, uri] = start.split(' ');
  const headers = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(':');
    headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { method, uri, headers, body };
}

/** Minimal registrar/proxy: enough SIP for the client's REGISTER and MESSAGE flows. */
class FakeServerSocket implements Socket {
  via_transport = 'WSS';
  readonly url = 'wss://localhost:8443/';
  readonly sip_uri = 'sip:localhost;transport=ws';
  connected = false;
  registrations = 0;
  badDigests = 0;
  readonly messages: Parsed[] = [];
  private readonly nonce = 'f84f1cec41e6cbe5aea9c8e88d359';

  connect() {
    setTimeout(() => {
      this.connected = true;
      this.onconnect();
    }, 1);
  }
  disconnect() {
    this.connected = false;
  }
  isConnected() {
    return this.connected;
  }
  isConnecting() {
    return false;
  }
  onconnect() {}
  ondisconnect(_error: boolean) {}
  ondata<T>(_event: T) {}

  send(message: string | ArrayBufferLike | Blob | ArrayBufferView): boolean {
    const req = parse(String(message));
    if (/^SIP\/2\.0/.test(req.method)) return true; // a response from the client
    setTimeout(() => this.handle(req), 1);
    return true;
  }

  private reply(req: Parsed, status: string, extra: string[] = []) {
    const to = req.headers.get('to')!;
    const lines = [
      `SIP/2.0 ${status}`,
      `Via: ${req.headers.get('via')}`,
      `From: ${req.headers.get('from')}`,
      `To: ${to.includes('tag=') ? to : `${to};tag=srv1`}`,
      `Call-ID: ${req.headers.get('call-id')}`,
      `CSeq: ${req.headers.get('cseq')}`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ];
    this.ondata(lines.join('\r\n'));
  }

  private handle(req: Parsed) {
    if (req.method === 'REGISTER') {
      const auth = req.headers.get('authorization');
      if (!auth) {
        this.reply(req, '401 Unauthorized', [`WWW-Authenticate: Digest realm="localhost", nonce="${this.nonce}", algorithm=MD5, qop="auth"`]);
        return;
      }
      const p = Object.fromEntries([...auth.matchAll(/(\w+)="?([^",]+)"?/g)].map((m) => [m[1], m[2]]));
      const ha1 = md5(`${p.username}:${p.realm}:${creds.password}`);
      const ha2 = md5(`REGISTER:${p.uri}`);
      const expected = md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
      if (p.username !== creds.number || p.realm !== 'localhost' || p.response !== expected) {
        this.badDigests++;
        this.reply(req, '403 Forbidden');
        return;
      }
      this.registrations++;
      this.reply(req, '200 OK', [`Contact: ${req.headers.get('contact')};expires=300`, 'Expires: 300']);
      return;
    }
    if (req.method === 'MESSAGE') {
      this.messages.push(req);
      const user = /sip:([^@]+)@/.exec(req.uri)?.[1];
      if (user === '99920000001') this.reply(req, '200 OK');
      else if (user === '99920000002') this.reply(req, '202 Accepted');
      else this.reply(req, '404 Not Found');
    }
  }

  /** The server delivering a MESSAGE to the client. */
  deliver(from: string, body: string, contentType = 'text/plain') {
    const lines = [
      `MESSAGE sip:${creds.number}@localhost SIP/2.0`,
      'Via: SIP/2.0/WSS localhost;branch=z9hG4bKsrv' + Math.random().toString(36).slice(2),
      'Max-Forwards: 69',
      `From: <sip:${from}@localhost>;tag=abc${Math.random().toString(36).slice(2)}`,
      `To: <sip:${creds.number}@localhost>`,
      `Call-ID: m${Math.random().toString(36).slice(2)}`,
      'CSeq: 1 MESSAGE',
      `Content-Type: ${contentType}`,
      `Content-Length: ${new TextEncoder().encode(body).length}`,
      '',
      body,
    ];
    this.ondata(lines.join('\r\n'));
  }
}

function until<T>(check: () => T | undefined, what: string, timeoutMs = 3000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const v = check();
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

let phone: Phone | undefined;
afterEach(() => phone?.stop());

function startPhone(password = creds.password) {
  const socket = new FakeServerSocket();
  phone = new Phone({ autoplay: false } as HTMLAudioElement);
  const states: RegState[] = [];
  phone.on('state', (s) => states.push(s));
  phone.start({ ...creds, password }, config, socket);
  return { socket, phone, states };
}

describe('Phone (SIP over an in-memory socket)', () => {
  it('registers with digest auth for number@domain', async () => {
    const { socket, phone, states } = startPhone();
    await until(() => phone.state === 'registered', 'registration');
    expect(socket.registrations).toBe(1);
    expect(socket.badDigests).toBe(0);
    expect(states).toContain('connecting');
    expect(states.at(-1)).toBe('registered');
  });

  it('reports a wrong password as an account problem', async () => {
    const { socket, phone } = startPhone('wrong');
    await until(() => phone.state === 'authFailed', 'auth failure');
    expect(socket.badDigests).toBe(1);
    expect(socket.registrations).toBe(0);
  });

  it('maps MESSAGE responses to delivery states', async () => {
    const { socket, phone } = startPhone();
    await until(() => phone.state === 'registered', 'registration');
    expect(await phone.sendMessage('sip:99920000001@localhost', 'hola')).toBe('delivered');
    expect(await phone.sendMessage('sip:99920000002@localhost', 'are you there?')).toBe('sent');
    expect(await phone.sendMessage('sip:99920000003@localhost', 'nobody')).toBe('failed');
    expect(socket.messages[0].body).toBe('hola');
    expect(socket.messages[0].headers.get('content-type')).toBe('text/plain;charset=utf-8');
  });

  it('refuses to send while not registered', async () => {
    phone = new Phone({ autoplay: false } as HTMLAudioElement);
    expect(await phone.sendMessage('sip:99920000001@localhost', 'x')).toBe('failed');
    expect(() => phone!.dial('sip:99920000001@localhost')).toThrow(/not registered/);
  });

  it('emits incoming text messages keyed by peer, ignoring non-text bodies', async () => {
    const { socket, phone } = startPhone();
    await until(() => phone.state === 'registered', 'registration');
    const received: IncomingText[] = [];
    phone.on('message', (m) => received.push(m));
    socket.deliver('99920000001', '<isComposing/>', 'application/im-iscomposing+xml');
    socket.deliver('99920000001', '¿Llegas mañana?');
    await until(() => received.length === 1 || undefined, 'incoming message');
    expect(received[0]).toMatchObject({ peer: '99920000001', body: '¿Llegas mañana?' });
  });
});
