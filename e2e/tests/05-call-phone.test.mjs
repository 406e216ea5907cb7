// Test 5: the browser app calls a plain SIP phone. The phone is sipp registered over UDP, answering with a
// PCMU/PCMA SDP and echoing every RTP packet it receives (-rtp_echo). Audio coming back to the browser proves the
// relay bridges both ways: DTLS-SRTP from the browser -> plain RTP to the phone -> echoed -> SRTP to the browser.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../lib/server.mjs';
import { openProfile, withDiagnostics } from '../lib/browser.mjs';
import { E2E_DIR, TARGET_DIR } from '../lib/paths.mjs';
import { dial, inboundAudio, takeNumber, waitIdle, waitPhase, waitRegistered } from '../lib/app.mjs';

const SIPP = process.env.SIPP ?? '/usr/bin/sipp';
const SCENARIOS = join(E2E_DIR, 'src', 'test', 'resources', 'sipp');
const PHONE_NUMBER = '7770100';
const PHONE_PASSWORD = 'e2e-phone-password';

/** A free UDP port on 127.0.0.1 (the OS picks it), and a free one 2 above for sipp's RTCP echo. */
async function freeUdpPort() {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise((resolve, reject) => {
      const sock = createSocket('udp4');
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => {
        const p = sock.address().port;
        sock.close(() => resolve(p));
      });
    });
    if (port % 2 === 0 && port < 65000) return port;
  }
  throw new Error('no even free UDP port');
}

/** sipp as a registered phone: REGISTER with digest, answer every call (uas_answer.xml), echo RTP. */
function startPhone(server, sipPort, mediaPort, dir) {
  const users = join(dir, 'phone.csv');
  writeFileSync(users, `SEQUENTIAL\n${PHONE_NUMBER};${PHONE_PASSWORD}\n`);
  const logFile = join(TARGET_DIR, 'logs', 'call-phone-sipp.log');
  const log = openSync(logFile, 'w');
  const child = spawn(SIPP, [
    `127.0.0.1:${server.ports.sip}`,
    '-sf', join(SCENARIOS, 'uas_register_and_answer.xml'),
    '-oocsf', join(SCENARIOS, 'uas_answer.xml'),
    '-inf', users,
    '-key', 'domain', 'localhost', '-key', 'expires', '600',
    '-i', '127.0.0.1', '-p', String(sipPort), '-t', 'u1',
    '-mi', '127.0.0.1', '-mp', String(mediaPort), '-rtp_echo',
    '-m', '1', '-d', '120000', '-timeout', '150s', '-timeout_error',
    '-trace_err', '-error_file', join(dir, 'sipp-errors.log'),
    '-nostdin',
  ], { cwd: dir, stdio: ['ignore', log, log] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    closeSync(log);
    resolve({ code, signal });
  }));
  return { child, exited, logFile, dir };
}

describe('5. browser calls a plain SIP phone', { timeout: 240_000 }, () => {
  let server;
  let alice;
  let phone;
  let dir;
  const diagnose = (label, body) => withDiagnostics(label, () => server, () => [alice], async (t) => {
    try {
      await body(t);
    } catch (error) {
      if (phone) {
        let errors = '';
        try { errors = readFileSync(join(phone.dir, 'sipp-errors.log'), 'utf8').slice(-3000); } catch { /* none */ }
        error.message += `\n--- sipp errors ---\n${errors}`;
      }
      throw error;
    }
  });

  before(async () => {
    if (!(await import('node:fs')).existsSync(SIPP)) throw new Error(`${SIPP} not found (Debian package sip-tester)`);
    // sipp answers only the first challenge and only MD5: UDP clients get MD5 first (SipService.challenge)
    server = await startServer('call-phone');
    dir = mkdtempSync(join(tmpdir(), 'webphone-e2e-sipp-'));
    await server.cli(['numbers', 'add', PHONE_NUMBER, '--password', PHONE_PASSWORD]);
    phone = startPhone(server, await freeUdpPort(), await freeUdpPort(), dir);
    alice = await openProfile('alice-phone', { origin: server.baseUrl });
    await takeNumber(alice, server);
    await waitRegistered(alice);
    // the phone is callable once the server holds its binding
    for (let i = 0; ; i++) {
      const registrations = await server.metric('sip_registrations_active').catch(() => undefined);
      if (registrations >= 2) break;
      if (phone.child.exitCode !== null || i > 100) {
        throw new Error(`sipp did not register (exit ${phone.child.exitCode}, registrations ${registrations})\n${readFileSync(phone.logFile, 'utf8').slice(-2000)}`);
      }
      await sleep(100);
    }
  });

  after(async () => {
    if (phone && phone.child.exitCode === null) {
      phone.child.kill('SIGTERM');
      await Promise.race([phone.exited, sleep(5000)]);
      if (phone.child.exitCode === null) phone.child.kill('SIGKILL');
    }
    await alice?.close();
    await server?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the browser dials the phone, the phone answers and echoes: audio flows both ways through the relay', diagnose('call-phone', async (t) => {
    await dial(alice, PHONE_NUMBER);
    await waitPhase(alice, 'active', 30_000);
    assert.equal(await server.metric('webphone_media_sessions'), 1, 'the call is anchored in the relay');
    await sleep(5000);
    const audio = await inboundAudio(alice);
    t.diagnostic(`browser inbound-rtp after 5 s: ${JSON.stringify(audio)}`);
    assert.ok(audio, 'the browser has an audio inbound-rtp report');
    assert.ok(audio.packetsReceived > 100, `the browser received ${audio.packetsReceived} echoed packets`);
    await alice.screenshot('05-call-phone');
    await alice.byTestId('hangup').click();
    await waitIdle(alice);
    for (let i = 0; i < 100 && (await server.metric('webphone_media_sessions')) !== 0; i++) await sleep(100);
    assert.equal(await server.metric('webphone_media_sessions'), 0, 'the hangup deleted the media session');
  }));
});
