/**
 * IndexedDB storage shared by the app and the service worker (the worker reads the credentials to call the
 * reject API from a notification). Every operation runs in its own transaction, so nothing here depends on
 * promise/transaction auto-commit timing, which differs between browsers.
 */

export interface Credentials {
  number: string;
  password: string;
  domain: string;
  sipUri: string;
  wsUrl: string;
}

export type Language = 'en' | 'es';

export interface Settings {
  /** 'auto' follows navigator.language. */
  language: Language | 'auto';
  /** Ask for a rating after each call (sent to /webpush/survey). Off by default. */
  surveyEnabled: boolean;
  /** Audio output device (HTMLMediaElement.setSinkId), '' for the default. */
  outputDeviceId: string;
}

export const DEFAULT_SETTINGS: Settings = { language: 'auto', surveyEnabled: false, outputDeviceId: '' };

export interface Contact {
  id?: number;
  name: string;
  /** A peer key: a number on our domain or user@domain. */
  number: string;
}

export type MessageState = 'sending' | 'sent' | 'delivered' | 'failed' | 'received';

export interface StoredMessage {
  id?: number;
  peer: string;
  direction: 'in' | 'out';
  body: string;
  time: number;
  state: MessageState;
  read: boolean;
}

export type CallOutcome = 'answered' | 'missed' | 'rejected' | 'busy' | 'failed' | 'canceled';

export interface CallRecord {
  id?: number;
  /** SIP Call-ID (local records) or the server's call id; used to merge server history. */
  callId?: string;
  peer: string;
  direction: 'in' | 'out';
  start: number;
  answered?: number;
  end: number;
  outcome: CallOutcome;
}

export interface ConversationSummary {
  peer: string;
  last: StoredMessage;
  unread: number;
}

const DB_VERSION = 1;
const KV = 'kv';
const CONTACTS = 'contacts';
const MESSAGES = 'messages';
const CALLS = 'calls';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export class Storage {
  private constructor(private readonly db: IDBDatabase) {}

  static open(name = 'webphone', factory: IDBFactory = indexedDB): Promise<Storage> {
    return new Promise((resolve, reject) => {
      const open = factory.open(name, DB_VERSION);
      open.onupgradeneeded = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains(KV)) db.createObjectStore(KV);
        if (!db.objectStoreNames.contains(CONTACTS)) {
          db.createObjectStore(CONTACTS, { keyPath: 'id', autoIncrement: true }).createIndex('number', 'number');
        }
        if (!db.objectStoreNames.contains(MESSAGES)) {
          db.createObjectStore(MESSAGES, { keyPath: 'id', autoIncrement: true }).createIndex('peer', 'peer');
        }
        if (!db.objectStoreNames.contains(CALLS)) {
          const calls = db.createObjectStore(CALLS, { keyPath: 'id', autoIncrement: true });
          calls.createIndex('callId', 'callId');
          calls.createIndex('start', 'start');
        }
      };
      open.onsuccess = () => resolve(new Storage(open.result));
      open.onerror = () => reject(open.error ?? new Error('cannot open IndexedDB'));
      open.onblocked = () => reject(new Error('IndexedDB upgrade blocked by another tab'));
    });
  }

  close(): void {
    this.db.close();
  }

  /** Runs fn in one transaction and resolves with its result once the transaction has committed. */
  private run<T>(stores: string | string[], mode: IDBTransactionMode, fn: (tx: IDBTransaction) => Promise<T> | T): Promise<T> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(stores, mode);
      let result: T;
      let failed: unknown;
      Promise.resolve(fn(tx)).then(
        (r) => (result = r),
        (e) => {
          failed = e;
          try {
            tx.abort();
          } catch {
            /* already finished */
          }
        },
      );
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(failed ?? tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(failed ?? tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  }

  // --- key/value: credentials, settings, push subscription endpoint

  kvGet<T>(key: string): Promise<T | undefined> {
    return this.run(KV, 'readonly', (tx) => request(tx.objectStore(KV).get(key)) as Promise<T | undefined>);
  }

  kvSet(key: string, value: unknown): Promise<void> {
    return this.run(KV, 'readwrite', async (tx) => {
      await request(tx.objectStore(KV).put(value, key));
    });
  }

  kvDelete(key: string): Promise<void> {
    return this.run(KV, 'readwrite', async (tx) => {
      await request(tx.objectStore(KV).delete(key));
    });
  }

  getCredentials(): Promise<Credentials | undefined> {
    return this.kvGet<Credentials>('credentials');
  }

  setCredentials(c: Credentials): Promise<void> {
    return this.kvSet('credentials', c);
  }

  async getSettings(): Promise<Settings> {
    return { ...DEFAULT_SETTINGS, ...((await this.kvGet<Partial<Settings>>('settings')) ?? {}) };
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    const next = { ...(await this.getSettings()), ...patch };
    await this.kvSet('settings', next);
    return next;
  }

  // --- contacts

  async listContacts(): Promise<Contact[]> {
    const all = await this.run(CONTACTS, 'readonly', (tx) => request(tx.objectStore(CONTACTS).getAll()) as Promise<Contact[]>);
    return all.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Adds (no id) or replaces (with id) a contact; returns its id. */
  saveContact(c: Contact): Promise<number> {
    const name = c.name.trim();
    const number = c.number.trim();
    if (!name || !number) return Promise.reject(new Error('a contact needs a name and a number'));
    const record: Contact = c.id === undefined ? { name, number } : { id: c.id, name, number };
    return this.run(CONTACTS, 'readwrite', (tx) => request(tx.objectStore(CONTACTS).put(record)) as Promise<number>);
  }

  deleteContact(id: number): Promise<void> {
    return this.run(CONTACTS, 'readwrite', async (tx) => {
      await request(tx.objectStore(CONTACTS).delete(id));
    });
  }

  async findContact(number: string): Promise<Contact | undefined> {
    const found = await this.run(CONTACTS, 'readonly', (tx) =>
      request(tx.objectStore(CONTACTS).index('number').getAll(number)) as Promise<Contact[]>,
    );
    return found[0];
  }

  // --- messages

  addMessage(m: StoredMessage): Promise<number> {
    const { id: _ignored, ...record } = m;
    return this.run(MESSAGES, 'readwrite', (tx) => request(tx.objectStore(MESSAGES).add(record)) as Promise<number>);
  }

  setMessageState(id: number, state: MessageState): Promise<void> {
    return this.run(MESSAGES, 'readwrite', async (tx) => {
      const store = tx.objectStore(MESSAGES);
      const m = (await request(store.get(id))) as StoredMessage | undefined;
      if (!m) throw new Error(`no message ${id}`);
      m.state = state;
      await request(store.put(m));
    });
  }

  async conversation(peer: string): Promise<StoredMessage[]> {
    const list = await this.run(MESSAGES, 'readonly', (tx) =>
      request(tx.objectStore(MESSAGES).index('peer').getAll(peer)) as Promise<StoredMessage[]>,
    );
    return list.sort((a, b) => a.time - b.time || (a.id ?? 0) - (b.id ?? 0));
  }

  /** One entry per peer, newest conversation first, with the count of unread incoming messages. */
  async conversations(): Promise<ConversationSummary[]> {
    const all = await this.run(MESSAGES, 'readonly', (tx) => request(tx.objectStore(MESSAGES).getAll()) as Promise<StoredMessage[]>);
    const byPeer = new Map<string, ConversationSummary>();
    for (const m of all) {
      const s = byPeer.get(m.peer);
      const unread = m.direction === 'in' && !m.read ? 1 : 0;
      if (!s) byPeer.set(m.peer, { peer: m.peer, last: m, unread });
      else {
        s.unread += unread;
        if (m.time > s.last.time || (m.time === s.last.time && (m.id ?? 0) > (s.last.id ?? 0))) s.last = m;
      }
    }
    return [...byPeer.values()].sort((a, b) => b.last.time - a.last.time);
  }

  markConversationRead(peer: string): Promise<number> {
    return this.run(MESSAGES, 'readwrite', async (tx) => {
      const store = tx.objectStore(MESSAGES);
      const list = (await request(store.index('peer').getAll(peer))) as StoredMessage[];
      let changed = 0;
      for (const m of list) {
        if (m.direction === 'in' && !m.read) {
          m.read = true;
          changed++;
          await request(store.put(m));
        }
      }
      return changed;
    });
  }

  async unreadCount(): Promise<number> {
    return (await this.conversations()).reduce((n, c) => n + c.unread, 0);
  }

  // --- call history

  addCall(c: CallRecord): Promise<number> {
    const { id: _ignored, ...record } = c;
    return this.run(CALLS, 'readwrite', (tx) => request(tx.objectStore(CALLS).add(record)) as Promise<number>);
  }

  /** Newest first. */
  async listCalls(limit = 200): Promise<CallRecord[]> {
    const all = await this.run(CALLS, 'readonly', (tx) => request(tx.objectStore(CALLS).getAll()) as Promise<CallRecord[]>);
    return all.sort((a, b) => b.start - a.start).slice(0, limit);
  }

  /**
   * Adds the server's records (calls that happened while the app was closed, e.g. missed ones) that are not
   * yet known by call id. Returns how many were added.
   */
  mergeCalls(records: CallRecord[]): Promise<number> {
    return this.run(CALLS, 'readwrite', async (tx) => {
      const store = tx.objectStore(CALLS);
      let added = 0;
      for (const r of records) {
        if (!r.callId) continue;
        const existing = await request(store.index('callId').count(r.callId));
        if (existing > 0) continue;
        const { id: _ignored, ...record } = r;
        await request(store.add(record));
        added++;
      }
      return added;
    });
  }

  clearCalls(): Promise<void> {
    return this.run(CALLS, 'readwrite', async (tx) => {
      await request(tx.objectStore(CALLS).clear());
    });
  }
}
