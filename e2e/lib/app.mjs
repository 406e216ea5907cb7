// Steps through the app the way a person does, using its stable test hooks (data-testid, data-state,
// data-phase, window.webphone). Every wait is bounded by the profile's default timeout or an explicit one.
import assert from 'node:assert/strict';

/** First run: opens the app, takes a number, leaves the welcome screen. Returns the number. */
export async function takeNumber(profile, server) {
  await profile.page.goto(`${server.baseUrl}/`);
  await profile.byTestId('get-number').click();
  const shown = profile.byTestId('own-number');
  await shown.waitFor({ state: 'visible' });
  const number = (await shown.textContent()).trim();
  assert.match(number, /^\d+$/, `allocated number "${number}"`);
  await profile.byTestId('start').click();
  await profile.byTestId('dial-input').waitFor({ state: 'visible' });
  return number;
}

/** Waits until the status indicator says the UA is registered (the server answered REGISTER with 200). */
export async function waitRegistered(profile, timeout = 20_000) {
  await profile.page.locator('[data-testid="status"][data-state="registered"]').waitFor({ state: 'visible', timeout });
  assert.equal(await profile.webphone(() => window.webphone.registration), 'registered');
}

export async function dial(profile, target) {
  await profile.byTestId('dial-input').fill(target);
  await profile.byTestId('call-button').click();
  await profile.byTestId('call-screen').waitFor({ state: 'visible' });
}

/** Waits for the call screen to show one of the phases (calling|ringing|early|incoming|connecting|active|ended). */
export async function waitPhase(profile, phases, timeout = 20_000) {
  const list = Array.isArray(phases) ? phases : [phases];
  const selector = list.map((p) => `[data-testid="call-state"][data-phase="${p}"]`).join(', ');
  await profile.page.locator(selector).first().waitFor({ state: 'visible', timeout });
  return profile.byTestId('call-state').getAttribute('data-phase');
}

/** The app is back to idle: no call screen and no active session. */
export async function waitIdle(profile, timeout = 15_000) {
  await profile.page.waitForFunction(() => !window.webphone.call || window.webphone.call.phase === 'ended', null, { timeout });
  // An ended call leaves a summary screen with "dismiss" until tapped; close it if shown.
  const dismiss = profile.byTestId('dismiss');
  if (await dismiss.isVisible()) await dismiss.click();
  await profile.byTestId('call-screen').waitFor({ state: 'hidden', timeout });
}

/**
 * The audio inbound-rtp report of the live RTCPeerConnection (window.webphone.pc): packets received and the
 * audio level (0..1) of what arrives. Undefined while there is no connection or no such report yet.
 */
export function inboundAudio(profile) {
  return profile.webphone(async () => {
    const pc = window.webphone.pc;
    if (!pc) return undefined;
    const stats = await pc.getStats();
    for (const report of stats.values()) {
      if (report.type === 'inbound-rtp' && (report.kind ?? report.mediaType) === 'audio') {
        return {
          packetsReceived: report.packetsReceived ?? 0,
          packetsLost: report.packetsLost ?? 0,
          bytesReceived: report.bytesReceived ?? 0,
          audioLevel: report.audioLevel ?? 0,
          totalAudioEnergy: report.totalAudioEnergy ?? 0,
          jitter: report.jitter,
        };
      }
    }
    return undefined;
  });
}

/** Opens the conversation with `peer` and sends `text`. */
export async function sendText(profile, peer, text) {
  await profile.byTestId('tab-messages').click();
  await profile.byTestId('new-message-to').fill(peer);
  await profile.byTestId('new-message-open').click();
  await profile.byTestId('message-input').fill(text);
  await profile.byTestId('message-send').click();
}

/** Waits for a message bubble with `text` in the open conversation; returns its data-state. */
export async function waitBubble(profile, text, timeout = 15_000) {
  const bubble = profile.page.locator('[data-testid="messages"] li.bubble', { hasText: text }).first();
  await bubble.waitFor({ state: 'visible', timeout });
  return bubble.getAttribute('data-state');
}
