// Test 2, a real call between two browsers through the server's registrar and proxy; and test 7, the call
// setup times (printed, not asserted: speed is measured under bench/).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../lib/server.mjs';
import { openProfile, withDiagnostics } from '../lib/browser.mjs';
import { dial, inboundAudio, takeNumber, waitIdle, waitPhase, waitRegistered } from '../lib/app.mjs';

describe('2. browser to browser call', { timeout: 180_000 }, () => {
  let server;
  let alice;
  let bob;
  let aliceNumber;
  let bobNumber;
  const diagnose = (label, body) => withDiagnostics(label, () => server, () => [alice, bob], body);

  before(async () => {
    server = await startServer('call');
    alice = await openProfile('alice', { origin: server.baseUrl });
    bob = await openProfile('bob', { origin: server.baseUrl });
    aliceNumber = await takeNumber(alice, server);
    bobNumber = await takeNumber(bob, server);
    await Promise.all([waitRegistered(alice), waitRegistered(bob)]);
  });

  after(async () => {
    await alice?.close();
    await bob?.close();
    await server?.cleanup();
  });

  it('A calls B, B answers, audio flows both ways, A hangs up', diagnose('call', async (t) => {
    await dial(alice, bobNumber);
    await waitPhase(bob, 'incoming');
    assert.equal((await bob.byTestId('call-peer').textContent()).includes(aliceNumber), true, 'B sees who calls');
    await waitPhase(alice, ['ringing', 'early']);
    await bob.screenshot('02-incoming-call');
    await bob.byTestId('answer').click();
    await Promise.all([waitPhase(alice, 'active'), waitPhase(bob, 'active')]);
    await sleep(5000);
    for (const [who, profile] of [['A', alice], ['B', bob]]) {
      const audio = await inboundAudio(profile);
      t.diagnostic(`${who} inbound-rtp: ${JSON.stringify(audio)}`);
      assert.ok(audio, `${who} has an audio inbound-rtp report`);
      assert.ok(audio.packetsReceived > 100, `${who} received ${audio.packetsReceived} packets`);
      assert.ok(audio.audioLevel > 0 || audio.totalAudioEnergy > 0, `${who} hears sound (level ${audio.audioLevel})`);
    }
    await alice.screenshot('02-in-call');
    assert.equal(await server.metric('webphone_media_sessions'), 1, 'the call is anchored in the relay');
    await alice.byTestId('hangup').click();
    await Promise.all([waitIdle(alice), waitIdle(bob)]);
    for (let i = 0; i < 100 && (await server.metric('webphone_media_sessions')) !== 0; i++) await sleep(100);
    assert.equal(await server.metric('webphone_media_sessions'), 0, 'the server holds no media session after the call');
  }));

  it('7. measures call setup: dial to ringing at the callee, answer to first audio packet', diagnose('setup-time', async (t) => {
    await Promise.all([waitIdle(alice), waitIdle(bob)]);
    const dialStart = Date.now();
    await dial(alice, bobNumber);
    await waitPhase(bob, 'incoming');
    const ringing = Date.now() - dialStart;
    const answerStart = Date.now();
    await bob.byTestId('answer').click();
    // First audio at each side: polled every 20 ms, bounded.
    const firstAudio = async (profile) => {
      for (let i = 0; i < 500; i++) {
        const audio = await inboundAudio(profile);
        if (audio?.packetsReceived > 0) return Date.now() - answerStart;
        await sleep(20);
      }
      throw new Error(`${profile.name}: no audio packet within 10 s of answering`);
    };
    const [callerAudio, calleeAudio] = await Promise.all([firstAudio(alice), firstAudio(bob)]);
    const line = `call setup: dial -> ringing at callee ${ringing} ms; answer -> first audio packet at caller ${callerAudio} ms, at callee ${calleeAudio} ms`;
    t.diagnostic(line);
    console.log(line);
    await alice.byTestId('hangup').click();
    await Promise.all([waitIdle(alice), waitIdle(bob)]);
  }));
});
