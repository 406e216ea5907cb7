/**
 * Application controller: owns storage, the API client and the phone, and keeps the UI state in one Store.
 * UI components read the state and call methods here; they never touch JsSIP or IndexedDB directly.
 */
import { ApiClient, ApiError, type ApiErrorKind } from '../lib/api';
import { backoffDelay } from '../lib/backoff';
import type { ServerConfig } from '../lib/config';
import { peerKey, resolveDial, type DialResult } from '../lib/dialRules';
import { detectLanguage, translator, type Translate } from '../lib/i18n';
import { enablePush, pushStatus, pushSupported, type PushStatus } from '../lib/push';
import { callTag } from '../lib/pushPayload';
import { Phone, type CallView, type RegState } from '../lib/phone';
import { parseRoute, routeHash, type Route } from '../lib/route';
import {
  DEFAULT_SETTINGS,
  Storage,
  type CallRecord,
  type Contact,
  type ConversationSummary,
  type Credentials,
  type Language,
  type Settings,
} from '../lib/storage';
import { Store } from '../lib/store';

export interface AppState {
  loaded: boolean;
  lang: Language;
  settings: Settings;
  credentials?: Credentials;
  /** True from getting a new number until the person taps "Start" on the welcome screen. */
  welcome: boolean;
  config?: ServerConfig;
  reg: RegState | 'noConfig';
  call: CallView | null;
  conversations: ConversationSummary[];
  unread: number;
  contacts: Contact[];
  calls: CallRecord[];
  push: PushStatus | 'unknown';
  route: Route;
  /** A short message shown at the bottom (errors, confirmations). */
  notice?: string;
  /** The call just ended, when the after-call rating is enabled. */
  survey?: { peer: string };
  updateReady: boolean;
  outputs: { deviceId: string; label: string }[];
}

const SIP_URI_OF = (peer: string, domain: string) => (peer.includes('@') ? `sip:${peer}` : `sip:${peer}@${domain}`);

export class AppController {
  readonly store = new Store<AppState>({
    loaded: false,
    lang: detectLanguage(typeof navigator !== 'undefined' ? navigator.languages : undefined),
    settings: DEFAULT_SETTINGS,
    welcome: false,
    reg: 'idle',
    call: null,
    conversations: [],
    unread: 0,
    contacts: [],
    calls: [],
    push: 'unknown',
    route: parseRoute(location.hash),
    updateReady: false,
    outputs: [],
  });
  readonly api = new ApiClient();
  readonly phone = new Phone();
  storage!: Storage;
  private configAttempt = 0;
  private configTimer: ReturnType<typeof setTimeout> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private waitingWorker: ServiceWorker | undefined;

  get t(): Translate {
    return translator(this.store.get().lang);
  }

  async init(): Promise<void> {
    this.storage = await Storage.open();
    const settings = await this.storage.getSettings();
    const credentials = await this.storage.getCredentials();
    this.store.set({ settings, lang: this.languageFor(settings), credentials, loaded: true });
    this.wirePhone();
    this.wireWindow();
    this.handleLaunchUrl();
    await this.refreshLists();
    void pushStatus().then((push) => this.store.set({ push }));
    if (credentials) void this.connect();
    // First run: the config lists the number ranges to choose from.
    else void this.api.config().then((config) => this.store.set({ config }), () => undefined);
  }

  private languageFor(settings: Settings): Language {
    return settings.language === 'auto' ? detectLanguage(navigator.languages) : settings.language;
  }

  private wirePhone(): void {
    this.phone.on('state', (reg) => this.store.set({ reg }));
    this.phone.on('call', (call) => {
      this.store.set({ call });
      // The ringing notification is obsolete once the visible app shows the call (a hidden page keeps it:
      // it is then the only thing the person sees).
      if (call && (call.phase !== 'incoming' || document.visibilityState === 'visible')) void closeNotifications(callTag(call.peer));
    });
    this.phone.on('callEnded', async (record) => {
      await this.storage.addCall(record);
      await this.refreshLists();
      if (record.outcome === 'answered' && this.store.get().settings.surveyEnabled) {
        this.store.set({ survey: { peer: record.peer } });
      }
    });
    this.phone.on('message', async (m) => {
      const open = this.store.get().route;
      const read = open.name === 'conversation' && open.peer === m.peer && document.visibilityState === 'visible';
      await this.storage.addMessage({ peer: m.peer, direction: 'in', body: m.body, time: m.time, state: 'received', read });
      await this.refreshLists();
      void closeNotifications(`sms-${m.peer}`);
    });
  }

  private wireWindow(): void {
    window.addEventListener('hashchange', () => this.store.set({ route: parseRoute(location.hash) }));
    window.addEventListener('online', () => this.recover());
    window.addEventListener('offline', () => this.store.set({ reg: 'offline' }));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.recover();
    });
    navigator.serviceWorker?.addEventListener('message', (event: MessageEvent) => {
      const msg = event.data as { type?: string; url?: string; data?: { action?: string; from?: string } };
      if (msg?.type === 'notification-click' && msg.url) this.openUrl(msg.url);
      if (msg?.type === 'push' && msg.data?.action === 'call-canceled') void this.syncHistory();
    });
    navigator.mediaDevices?.addEventListener?.('devicechange', () => void this.refreshOutputs());
  }

  /** Handles /?answer=<id>&from=<n> (notification "Answer") and hash routes from notification clicks. */
  private handleLaunchUrl(): void {
    this.openUrl(location.pathname + location.search + location.hash);
  }

  private openUrl(url: string): void {
    const u = new URL(url, location.origin);
    if (u.searchParams.has('answer')) {
      this.phone.expectIncoming(u.searchParams.get('from') ?? undefined);
      history.replaceState(null, '', '/' + u.hash);
    }
    if (u.hash && u.hash !== location.hash) location.hash = u.hash;
  }

  private recover(): void {
    if (!this.store.get().credentials) return;
    if (!this.store.get().config) {
      void this.connect();
      return;
    }
    this.phone.recover();
    void this.syncHistory();
  }

  /** Reads the server config (retrying with backoff while unreachable) and registers. */
  async connect(): Promise<void> {
    const credentials = this.store.get().credentials;
    if (!credentials) return;
    clearTimeout(this.configTimer);
    let config: ServerConfig;
    try {
      config = await this.api.config();
      this.configAttempt = 0;
    } catch {
      this.store.set({ reg: 'noConfig' });
      this.configTimer = setTimeout(() => void this.connect(), backoffDelay(this.configAttempt++, 2000, 60000));
      return;
    }
    this.store.set({ config });
    this.phone.start(credentials, config);
    // The original app re-posted its subscription on every start; the server keeps one per endpoint.
    if (config.push.enabled) void enablePush(this.api, credentials, this.storage, false).then((push) => this.store.set({ push }));
    void this.syncHistory();
    void this.refreshOutputs();
    const sink = this.store.get().settings.outputDeviceId;
    if (sink) void this.phone.setOutput(sink);
  }

  /** First run: get a number from the server and keep it. Returns the error kind, if any. */
  async createNumber(prefix?: string): Promise<{ kind: ApiErrorKind; detail?: string } | undefined> {
    try {
      const created = await this.api.createNumber(prefix);
      await this.storage.setCredentials(created);
      this.store.set({ credentials: created, welcome: true });
      void this.connect();
      return undefined;
    } catch (e) {
      if (e instanceof ApiError) return { kind: e.kind, detail: e.detail };
      return { kind: 'server', detail: String(e) };
    }
  }

  async turnOnPush(): Promise<PushStatus> {
    const credentials = this.store.get().credentials;
    if (!credentials) return 'failed';
    this.store.set({ push: 'unknown' });
    const push = pushSupported() ? await enablePush(this.api, credentials, this.storage, true) : 'unsupported';
    this.store.set({ push });
    return push;
  }

  finishWelcome(): void {
    this.store.set({ welcome: false });
    this.navigate({ name: 'phone' });
  }

  navigate(route: Route): void {
    const hash = routeHash(route);
    if (location.hash !== hash) location.hash = hash;
    else this.store.set({ route });
  }

  showNotice(text: string): void {
    clearTimeout(this.noticeTimer);
    this.store.set({ notice: text });
    this.noticeTimer = setTimeout(() => this.store.set({ notice: undefined }), 5000);
  }

  // --- calls

  resolve(input: string): DialResult {
    const config = this.store.get().config;
    const domain = config?.domain ?? this.store.get().credentials?.domain ?? 'localhost';
    return resolveDial(input, config?.dialRules ?? { virtualPrefixes: [], conferencePrefix: '', communityPrefixes: [] }, domain);
  }

  /** The conversation/contact key for what the person typed, or undefined when it is not dialable. */
  peerFor(input: string): string | undefined {
    const r = this.resolve(input);
    if (!r.ok) return undefined;
    return peerKey(r.uri, this.store.get().config?.domain ?? this.store.get().credentials?.domain ?? '');
  }

  /** Starts a call; returns false (after showing why) when it cannot. */
  call(input: string): boolean {
    const result = this.resolve(input);
    if (!result.ok) {
      this.showNotice(this.t('dialer.invalid'));
      return false;
    }
    if (this.phone.state !== 'registered') {
      this.showNotice(this.t('dialer.notReady'));
      return false;
    }
    try {
      this.phone.dial(result.uri);
      return true;
    } catch (e) {
      this.showNotice(this.t('callError.failed'));
      console.warn('dial failed', e);
      return false;
    }
  }

  async refreshOutputs(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices || !('setSinkId' in HTMLMediaElement.prototype)) return;
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const outputs = devices
      .filter((d) => d.kind === 'audiooutput' && d.deviceId)
      .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${i + 1}` }));
    this.store.set({ outputs });
  }

  async setOutput(deviceId: string): Promise<void> {
    if (await this.phone.setOutput(deviceId)) {
      const settings = await this.storage.updateSettings({ outputDeviceId: deviceId });
      this.store.set({ settings });
    }
  }

  async syncHistory(): Promise<void> {
    const credentials = this.store.get().credentials;
    if (!credentials) return;
    try {
      const added = await this.storage.mergeCalls(await this.api.myCalls(credentials));
      if (added) await this.refreshLists();
    } catch {
      // History from the server is a bonus (calls missed while closed); local history still works.
    }
  }

  async clearHistory(): Promise<void> {
    await this.storage.clearCalls();
    await this.refreshLists();
  }

  async submitSurvey(rating: number, comment: string): Promise<void> {
    const user = this.store.get().credentials?.number ?? '';
    this.store.set({ survey: undefined });
    try {
      await this.api.sendSurvey(user, rating, comment);
      this.showNotice(this.t('survey.thanks'));
    } catch (e) {
      this.showNotice(this.t(`api.${e instanceof ApiError ? e.kind : 'server'}`));
    }
  }

  dismissSurvey(): void {
    this.store.set({ survey: undefined });
  }

  // --- messages

  async sendMessage(peer: string, body: string): Promise<void> {
    const text = body.trim();
    const domain = this.store.get().config?.domain ?? this.store.get().credentials?.domain;
    if (!text || !domain) return;
    const id = await this.storage.addMessage({ peer, direction: 'out', body: text, time: Date.now(), state: 'sending', read: true });
    await this.refreshLists();
    const result = await this.phone.sendMessage(SIP_URI_OF(peer, domain), text);
    await this.storage.setMessageState(id, result);
    await this.refreshLists();
  }

  async markRead(peer: string): Promise<void> {
    if (await this.storage.markConversationRead(peer)) await this.refreshLists();
  }

  // --- contacts

  async saveContact(c: Contact): Promise<boolean> {
    if (!c.name.trim() || !this.resolve(c.number).ok) {
      this.showNotice(this.t('contacts.invalid'));
      return false;
    }
    await this.storage.saveContact(c);
    await this.refreshLists();
    return true;
  }

  async deleteContact(id: number): Promise<void> {
    await this.storage.deleteContact(id);
    await this.refreshLists();
  }

  nameOf(peer: string): string {
    return this.store.get().contacts.find((c) => c.number === peer)?.name ?? peer;
  }

  // --- settings

  async updateSettings(patch: Partial<Settings>): Promise<void> {
    const settings = await this.storage.updateSettings(patch);
    this.store.set({ settings, lang: this.languageFor(settings) });
  }

  async refreshLists(): Promise<void> {
    const [conversations, contacts, calls] = await Promise.all([
      this.storage.conversations(),
      this.storage.listContacts(),
      this.storage.listCalls(),
    ]);
    const unread = conversations.reduce((n, c) => n + c.unread, 0);
    this.store.set({ conversations, contacts, calls, unread });
    // App badge (installed PWA on supporting platforms): unread messages.
    const nav = navigator as Navigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    if (unread) void nav.setAppBadge?.(unread).catch(() => undefined);
    else void nav.clearAppBadge?.().catch(() => undefined);
  }

  // --- service worker updates

  watchServiceWorker(registration: ServiceWorkerRegistration): void {
    const offer = (worker: ServiceWorker | null) => {
      if (!worker) return;
      const check = () => {
        // Only an update (a controller already exists) needs a reload; the first install does not.
        if (worker.state === 'installed' && navigator.serviceWorker.controller) {
          this.waitingWorker = worker;
          this.store.set({ updateReady: true });
        }
      };
      worker.addEventListener('statechange', check);
      check();
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => offer(registration.installing));
    let reloading = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (reloading || !this.waitingWorker) return;
      reloading = true;
      location.reload();
    });
  }

  applyUpdate(): void {
    if (this.phone.inCall) return; // never reload in the middle of a call
    this.waitingWorker?.postMessage({ type: 'skip-waiting' });
  }
}

async function closeNotifications(tag: string): Promise<void> {
  try {
    const reg = await navigator.serviceWorker?.getRegistration();
    for (const n of (await reg?.getNotifications({ tag })) ?? []) n.close();
  } catch {
    /* notifications unsupported */
  }
}
