import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, Storage } from '../src/lib/storage';

let storage: Storage;
let factory: IDBFactory;

beforeEach(async () => {
  factory = new IDBFactory(); // a fresh, empty database per test
  storage = await Storage.open('webphone-test', factory);
});

describe('Storage', () => {
  it('keeps credentials across re-opening', async () => {
    expect(await storage.getCredentials()).toBeUndefined();
    const creds = { number: '99910012345', password: 'ab12cd34', domain: 'localhost', sipUri: 'sip:99910012345@localhost', wsUrl: 'wss://localhost:8443/' };
    await storage.setCredentials(creds);
    storage.close();
    const again = await Storage.open('webphone-test', factory);
    expect(await again.getCredentials()).toEqual(creds);
  });

  it('merges settings over the defaults', async () => {
    expect(await storage.getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.surveyEnabled).toBe(false);
    await storage.updateSettings({ language: 'es' });
    await storage.updateSettings({ surveyEnabled: true });
    expect(await storage.getSettings()).toEqual({ ...DEFAULT_SETTINGS, language: 'es', surveyEnabled: true });
  });

  it('adds, edits, finds and deletes contacts', async () => {
    const id = await storage.saveContact({ name: ' Zoe ', number: '999100111' });
    await storage.saveContact({ name: 'Ana', number: 'ana@example.org' });
    expect((await storage.listContacts()).map((c) => c.name)).toEqual(['Ana', 'Zoe']);
    await storage.saveContact({ id, name: 'Zoe B', number: '999100222' });
    expect(await storage.findContact('999100222')).toEqual({ id, name: 'Zoe B', number: '999100222' });
    expect(await storage.findContact('999100111')).toBeUndefined();
    await storage.deleteContact(id);
    expect((await storage.listContacts()).map((c) => c.name)).toEqual(['Ana']);
  });

  it('refuses a contact without a name or number', async () => {
    await expect(storage.saveContact({ name: ' ', number: '1' })).rejects.toThrow(/name and a number/);
    expect(await storage.listContacts()).toEqual([]);
  });

  it('groups messages into conversations with unread counts and delivery state', async () => {
    await storage.addMessage({ peer: 'a', direction: 'in', body: 'hi', time: 1, state: 'received', read: false });
    await storage.addMessage({ peer: 'a', direction: 'in', body: 'there', time: 2, state: 'received', read: false });
    const out = await storage.addMessage({ peer: 'b', direction: 'out', body: 'yo', time: 3, state: 'sending', read: true });
    await storage.setMessageState(out, 'sent');

    let list = await storage.conversations();
    expect(list.map((c) => [c.peer, c.unread, c.last.body])).toEqual([
      ['b', 0, 'yo'],
      ['a', 2, 'there'],
    ]);
    expect(list[0].last.state).toBe('sent');
    expect(await storage.unreadCount()).toBe(2);

    expect(await storage.markConversationRead('a')).toBe(2);
    expect(await storage.markConversationRead('a')).toBe(0);
    list = await storage.conversations();
    expect(list.find((c) => c.peer === 'a')?.unread).toBe(0);
    expect((await storage.conversation('a')).map((m) => m.body)).toEqual(['hi', 'there']);
  });

  it('fails clearly when updating a message that does not exist', async () => {
    await expect(storage.setMessageState(999, 'failed')).rejects.toThrow(/no message 999/);
  });

  it('lists calls newest first and merges server history by call id', async () => {
    await storage.addCall({ callId: 'x1', peer: '1', direction: 'out', start: 100, end: 160, answered: 105, outcome: 'answered' });
    await storage.addCall({ callId: 'x2', peer: '2', direction: 'in', start: 200, end: 210, outcome: 'missed' });
    const added = await storage.mergeCalls([
      { callId: 'x2', peer: '2', direction: 'in', start: 200, end: 210, outcome: 'missed' },
      { callId: 's3', peer: '3', direction: 'in', start: 300, end: 300, outcome: 'missed' },
      { peer: 'no-id', direction: 'in', start: 400, end: 400, outcome: 'missed' },
    ]);
    expect(added).toBe(1);
    expect((await storage.listCalls()).map((c) => c.callId)).toEqual(['s3', 'x2', 'x1']);
    expect((await storage.listCalls(1)).length).toBe(1);
    await storage.clearCalls();
    expect(await storage.listCalls()).toEqual([]);
  });
});
