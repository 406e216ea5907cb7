/**
 * The SIP side of the app: one JsSIP UA registered over WSS, at most one call, text messages.
 * UI code talks to this class only; it exposes plain state objects and events.
 */
import { UA, WebSocketInterface } from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { Socket } from 'jssip/lib/Socket';
import type { IncomingMessageEvent, IncomingRTCSessionEvent, OutgoingMessageEvent, RTCSessionEvent } from 'jssip/lib/UA';
import { backoffDelay } from './backoff';
import { failureForCall, type CallFailure } from './callErrors';
import type { ServerConfig } from './config';
import { peerKey } from './dialRules';
import { Emitter } from './emitter';
import type { CallOutcome, CallRecord, Credentials } from './storage';
import { BUSY, RINGBACK, RINGTONE, TonePlayer } from './tones';

export type RegState = 'idle' | 'connecting' | 'registered' | 'offline' | 'authFailed';
export type CallPhase = 'calling' | 'ringing' | 'early' | 'incoming' | 'connecting' | 'active' | 'ended';

export interface CallView {
  direction: 'in' | 'out';
  /** Peer key (number on our domain, user@domain otherwise). */
  peer: string;
  phase: CallPhase;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  muted: boolean;
  failure?: CallFailure;
}

export type MessageResult = 'delivered' | 'sent' | 'failed';

export interface IncomingText {
  peer: string;
  body: string;
  time: number;
}

interface PhoneEvents extends Record<string, unknown> {
  state: RegState;
  call: CallView | null;
  callEnded: CallRecord;
  message: IncomingText;
}

const PC_CONFIG: RTCConfiguration = {
  // The relay is ICE-lite on a public address: host candidates are all we need, and no STUN/TURN
  // round trips means the call starts at once.
  iceServers: [],
  rtcpMuxPolicy: 'require',
  bundlePolicy: 'max-bundle',
};
const AUDIO_ONLY: MediaStreamConstraints = { audio: true, video: false };
/** After the first candidate, wait this long for more, then send the SDP (gathering can stall on mDNS/VPN). */
const ICE_GATHERING_GRACE_MS = 400;
/** How long an "Answer" from a notification waits for the held INVITE to arrive. */
const ANSWER_WINDOW_MS = 30000;
/** After a re-REGISTER on wake-up, a silent socket gets this long before it is replaced. */
const REGISTER_WATCHDOG_MS = 6000;
/** The ended call stays on screen this long so its outcome can be read. */
const ENDED_LINGER_MS = 2500;

export class Phone extends Emitter<PhoneEvents> {
  state: RegState = 'idle';
  call: CallView | null = null;
  ua: UA | undefined;
  session: RTCSession | undefined;
  readonly tones = new TonePlayer();
  readonly remoteAudio: HTMLAudioElement;

  private credentials: Credentials | undefined;
  private socketOverride: Socket | undefined;
  private config: ServerConfig | undefined;
  private callId: string | undefined;
  private pendingAnswer: { from?: string; until: number } | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private failedRegistrations = 0;
  private earlyMedia = false;

  constructor(remoteAudio?: HTMLAudioElement) {
    super();
    this.remoteAudio = remoteAudio ?? new Audio();
    this.remoteAudio.autoplay = true;
  }

  get peerConnection(): RTCPeerConnection | undefined {
    return this.session?.connection ?? undefined;
  }

  private setState(state: RegState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private setCall(call: CallView | null): void {
    this.call = call;
    this.emit('call', call ? { ...call } : null);
  }

  private patchCall(patch: Partial<CallView>): void {
    if (this.call) this.setCall({ ...this.call, ...patch });
  }

  /** socket: the SIP transport; a WebSocket to config.wsUrl unless given (tests pass an in-memory one). */
  start(credentials: Credentials, config: ServerConfig, socket?: Socket): void {
    this.stop();
    this.credentials = credentials;
    this.config = config;
    this.socketOverride = socket;
    socket ??= new WebSocketInterface(config.wsUrl || credentials.wsUrl);
    const domain = config.domain || credentials.domain;
    const ua = new UA({
      sockets: [socket],
      uri: `sip:${credentials.number}@${domain}`,
      authorization_user: credentials.number,
      password: credentials.password,
      realm: domain,
      register: true,
      register_expires: 300,
      session_timers: false,
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 30,
      no_answer_timeout: 120,
      user_agent: 'webph.one-pwa/0.1',
    });
    this.ua = ua;
    ua.on('connecting', () => {
      if (this.state !== 'registered') this.setState('connecting');
    });
    // JsSIP reconnects by itself (connection_recovery_*), emitting 'connecting' again on each attempt.
    ua.on('disconnected', () => this.setState('offline'));
    ua.on('registered', () => {
      this.failedRegistrations = 0;
      this.clearWatchdog();
      this.setState('registered');
    });
    ua.on('unregistered', () => {
      if (this.ua === ua) this.setState('offline');
    });
    ua.on('registrationFailed', (e) => {
      if (this.ua !== ua) return;
      if (e.cause === 'Authentication Error' || e.response?.status_code === 403) {
        this.setState('authFailed');
        return;
      }
      this.setState('offline');
      // JsSIP does not retry a failed REGISTER on a live socket by itself.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        if (this.ua === ua && ua.isConnected()) ua.register();
      }, backoffDelay(this.failedRegistrations++, 2000, 60000));
    });
    ua.on('newRTCSession', (e: RTCSessionEvent) => {
      if (e.originator === 'remote') this.onIncoming(e as IncomingRTCSessionEvent);
    });
    ua.on('newMessage', (e: IncomingMessageEvent | OutgoingMessageEvent) => {
      if (e.originator === 'remote') this.onIncomingMessage(e as IncomingMessageEvent);
    });
    this.setState('connecting');
    ua.start();
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.clearWatchdog();
    const ua = this.ua;
    this.ua = undefined;
    if (ua) {
      ua.removeAllListeners();
      ua.stop();
    }
    this.setState('idle');
  }

  /**
   * Called when the page becomes visible again or the network comes back: mobile browsers kill background
   * sockets without telling, so re-REGISTER and replace the UA if the server does not answer soon.
   */
  recover(): void {
    if (!this.ua || !this.credentials || !this.config) return;
    if (this.session && !this.session.isEnded()) return; // never tear down a live call
    if (!this.ua.isConnected()) {
      this.start(this.credentials, this.config, this.socketOverride);
      return;
    }
    this.clearWatchdog();
    const ua = this.ua;
    this.watchdog = setTimeout(() => {
      if (this.ua === ua && this.credentials && this.config && !(this.session && !this.session.isEnded())) {
        this.start(this.credentials, this.config, this.socketOverride);
      }
    }, REGISTER_WATCHDOG_MS);
    // 'registered' clears the watchdog.
    ua.register();
  }

  private clearWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  // --- calls

  private peerOf(session: RTCSession): string {
    return peerKey(session.remote_identity.uri.toString(), this.config?.domain ?? '');
  }

  private attachSession(session: RTCSession, direction: 'in' | 'out', callId: string | undefined): void {
    clearTimeout(this.lingerTimer);
    this.session = session;
    this.callId = callId;
    this.earlyMedia = false;
    session.on('peerconnection', ({ peerconnection }) => this.attachPeerConnection(peerconnection));
    session.on('icecandidate', ({ ready }) => {
      // Host candidates arrive within milliseconds; do not wait for the full gathering to complete.
      setTimeout(ready, ICE_GATHERING_GRACE_MS);
    });
    session.on('progress', (e: unknown) => {
      if (direction !== 'out') return;
      const response = (e as { response?: { status_code: number; body?: string } }).response;
      if (!response) return;
      if (response.body) {
        // 183 Session Progress with SDP: the network plays its own tones/announcements.
        this.earlyMedia = true;
        this.tones.stop();
        this.patchCall({ phase: 'early' });
      } else if (response.status_code === 180 && !this.earlyMedia) {
        this.tones.play(RINGBACK);
        this.patchCall({ phase: 'ringing' });
      }
    });
    session.on('accepted', () => {
      this.tones.stop();
      this.patchCall({ phase: 'active', answeredAt: Date.now() });
    });
    session.on('confirmed', () => {
      this.tones.stop();
      if (this.call && this.call.phase !== 'active') this.patchCall({ phase: 'active', answeredAt: this.call.answeredAt ?? Date.now() });
    });
    session.on('ended', () => this.finish(session, 'answered'));
    session.on('failed', (e) => {
      const status = (e.message as { status_code?: number } | undefined)?.status_code;
      const failure = e.originator === 'local' ? 'canceled' : failureForCall(e.cause, status);
      let outcome: CallOutcome;
      if (direction === 'in') {
        outcome = e.originator === 'local' ? 'rejected' : 'missed';
      } else {
        outcome = failure === 'busy' ? 'busy' : failure === 'canceled' ? 'canceled' : 'failed';
      }
      this.finish(session, outcome, e.originator === 'local' && direction === 'out' ? undefined : failure);
    });
    session.on('muted', () => this.patchCall({ muted: true }));
    session.on('unmuted', () => this.patchCall({ muted: false }));
  }

  private attachPeerConnection(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      this.remoteAudio.srcObject = stream;
      void this.remoteAudio.play().catch(() => undefined);
    });
  }

  private finish(session: RTCSession, outcome: CallOutcome, failure?: CallFailure): void {
    if (this.session !== session || !this.call) return;
    this.tones.stop();
    if (outcome === 'busy') this.tones.play(BUSY);
    const now = Date.now();
    const call = this.call;
    const record: CallRecord = {
      callId: this.callId,
      peer: call.peer,
      direction: call.direction,
      start: call.startedAt,
      answered: call.answeredAt,
      end: now,
      outcome,
    };
    this.remoteAudio.srcObject = null;
    this.session = undefined;
    this.setCall({ ...call, phase: 'ended', endedAt: now, failure: outcome === 'answered' ? undefined : failure });
    this.emit('callEnded', record);
    this.lingerTimer = setTimeout(() => {
      if (!this.session) this.setCall(null);
    }, failure && failure !== 'canceled' ? ENDED_LINGER_MS * 2 : ENDED_LINGER_MS);
  }

  /** Dismisses the "call ended" screen now. */
  dismissEnded(): void {
    if (this.call?.phase === 'ended') {
      clearTimeout(this.lingerTimer);
      this.tones.stop();
      this.setCall(null);
    }
  }

  get inCall(): boolean {
    return !!this.session && !this.session.isEnded();
  }

  /** Calls a SIP URI produced by resolveDial. Throws if not registered or already in a call. */
  dial(uri: string): void {
    if (!this.ua || this.state !== 'registered') throw new Error('not registered');
    if (this.inCall) throw new Error('already in a call');
    const peer = peerKey(uri, this.config?.domain ?? '');
    this.setCall({ direction: 'out', peer, phase: 'calling', startedAt: Date.now(), muted: false });
    let session: RTCSession;
    try {
      session = this.ua.call(uri, {
        mediaConstraints: AUDIO_ONLY,
        pcConfig: PC_CONFIG,
        rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
        eventHandlers: {
          // Fired synchronously inside call(), before attachSession can subscribe.
          peerconnection: ({ peerconnection }) => this.attachPeerConnection(peerconnection),
        },
      });
    } catch (e) {
      this.setCall({ direction: 'out', peer, phase: 'ended', startedAt: Date.now(), endedAt: Date.now(), muted: false, failure: 'failed' });
      throw e;
    }
    this.attachSession(session, 'out', undefined);
    // The INVITE goes out after getUserMedia and ICE gathering, so this runs later.
    session.on('sending', ({ request }) => {
      if (this.session === session) this.callId = request.call_id;
    });
  }

  private onIncoming(e: IncomingRTCSessionEvent): void {
    const session = e.session;
    if (this.inCall) {
      // One call at a time: tell the caller we are busy, and keep the attempt in the history as missed.
      const peer = this.peerOf(session);
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      const now = Date.now();
      this.emit('callEnded', { callId: e.request.getHeader('Call-ID'), peer, direction: 'in', start: now, end: now, outcome: 'missed' });
      return;
    }
    const peer = this.peerOf(session);
    this.setCall({ direction: 'in', peer, phase: 'incoming', startedAt: Date.now(), muted: false });
    this.attachSession(session, 'in', e.request.getHeader('Call-ID'));
    if (this.takePendingAnswer(peer)) {
      this.answer();
      return;
    }
    this.tones.play(RINGTONE);
    navigator.vibrate?.([400, 200, 400]);
  }

  private takePendingAnswer(peer: string): boolean {
    const p = this.pendingAnswer;
    if (!p || Date.now() > p.until) return false;
    if (p.from && p.from !== peer && !peer.startsWith(`${p.from}@`)) return false;
    this.pendingAnswer = undefined;
    return true;
  }

  /**
   * The person tapped "Answer" on a notification: the server holds the INVITE until we register. Answer the
   * call from `from` (or the first incoming call when unknown) arriving within the next 30 s, or now if it
   * is already ringing.
   */
  expectIncoming(from?: string): void {
    this.pendingAnswer = { from: from || undefined, until: Date.now() + ANSWER_WINDOW_MS };
    if (this.call?.phase === 'incoming' && this.takePendingAnswer(this.call.peer)) this.answer();
  }

  answer(): void {
    const session = this.session;
    if (!session || this.call?.direction !== 'in' || this.call.phase !== 'incoming') return;
    this.tones.stop();
    this.patchCall({ phase: 'connecting' });
    session.answer({ mediaConstraints: AUDIO_ONLY, pcConfig: PC_CONFIG });
  }

  /** Declines a ringing incoming call. */
  reject(): void {
    const session = this.session;
    if (!session || this.call?.phase !== 'incoming') return;
    session.terminate({ status_code: 603, reason_phrase: 'Decline' });
  }

  hangup(): void {
    const session = this.session;
    if (!session || session.isEnded()) {
      this.dismissEnded();
      return;
    }
    session.terminate();
  }

  toggleMute(): void {
    const session = this.session;
    if (!session || !session.isEstablished()) return;
    if (session.isMuted().audio) session.unmute({ audio: true });
    else session.mute({ audio: true });
  }

  /** RFC 4733 telephone-event (JsSIP's RTP transport), for IVRs and gateways. */
  sendDtmf(tone: string): void {
    const session = this.session;
    if (!session || !session.isEstablished() || !/^[0-9A-D*#]$/i.test(tone)) return;
    session.sendDTMF(tone, { transportType: 'RFC2833' as never, duration: 160, interToneGap: 80 });
    this.tones.key(tone);
  }

  async setOutput(deviceId: string): Promise<boolean> {
    const el = this.remoteAudio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (!el.setSinkId) return false;
    try {
      await el.setSinkId(deviceId);
      return true;
    } catch {
      return false;
    }
  }

  // --- messages

  private onIncomingMessage(e: IncomingMessageEvent): void {
    const contentType = (e.request.getHeader('Content-Type') ?? 'text/plain').toLowerCase();
    if (!contentType.startsWith('text/plain')) return; // e.g. is-composing indications
    const body = e.request.body ?? '';
    if (!body) return;
    this.emit('message', { peer: peerKey(e.request.from.uri.toString(), this.config?.domain ?? ''), body, time: Date.now() });
  }

  /** Sends a SIP MESSAGE; 202 means the server stored it for an offline peer ("sent"), 200 "delivered". */
  sendMessage(uri: string, body: string): Promise<MessageResult> {
    const ua = this.ua;
    if (!ua || this.state !== 'registered') return Promise.resolve('failed');
    return new Promise((resolve) => {
      try {
        ua.sendMessage(uri, body, {
          contentType: 'text/plain;charset=utf-8',
          eventHandlers: {
            succeeded: (e) => resolve(e.response?.status_code === 202 ? 'sent' : 'delivered'),
            failed: () => resolve('failed'),
          },
        });
      } catch {
        resolve('failed');
      }
    });
  }
}
