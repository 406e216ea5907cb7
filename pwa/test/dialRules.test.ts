import { describe, expect, it } from 'vitest';
import { peerKey, resolveDial } from '../src/lib/dialRules';
import type { DialRules } from '../src/lib/config';

const rules: DialRules = { virtualPrefixes: ['999100', '999200', '505051'], conferencePrefix: '500', communityPrefixes: ['5255', '52(?:1|2)9'] };
const dial = (input: string) => resolveDial(input, rules, 'webph.one');

describe('resolveDial', () => {
  it('routes virtual numbers to our domain', () => {
    expect(dial('99910012345')).toEqual({ ok: true, kind: 'virtual', uri: 'sip:99910012345@webph.one', display: '99910012345' });
    expect(dial('50505100001')).toMatchObject({ kind: 'virtual', uri: 'sip:50505100001@webph.one' });
  });

  it('strips decoration people paste around numbers', () => {
    expect(dial(' 999 100-12 345 ')).toMatchObject({ ok: true, uri: 'sip:99910012345@webph.one' });
    expect(dial('(999) 100.12345')).toMatchObject({ ok: true, uri: 'sip:99910012345@webph.one' });
    expect(dial('+52 55 1234 5678')).toMatchObject({ ok: true, kind: 'community', uri: 'sip:525512345678@webph.one' });
  });

  it('recognises the conference prefix only with a room number after it', () => {
    expect(dial('5001')).toMatchObject({ kind: 'conference', uri: 'sip:5001@webph.one' });
    expect(dial('500')).toMatchObject({ kind: 'local' });
  });

  it('matches community prefixes given as digits or as a regular expression', () => {
    expect(dial('5255000')).toMatchObject({ kind: 'community' });
    expect(dial('5229111')).toMatchObject({ kind: 'community' });
    expect(dial('5239111')).toMatchObject({ kind: 'local' });
  });

  it('ignores a broken community regex instead of throwing', () => {
    const r = resolveDial('12345', { ...rules, communityPrefixes: ['(unclosed'] }, 'webph.one');
    expect(r).toMatchObject({ ok: true, kind: 'local' });
  });

  it('dials addresses with @ as SIP URIs, keeping an explicit scheme', () => {
    expect(dial('alice@example.org')).toEqual({ ok: true, kind: 'sip-address', uri: 'sip:alice@example.org', display: 'alice@example.org' });
    expect(dial('sips:bob@example.org:5061')).toMatchObject({ uri: 'sips:bob@example.org:5061' });
    expect(dial('sip:1234@192.0.2.10;transport=tcp')).toMatchObject({ uri: 'sip:1234@192.0.2.10;transport=tcp' });
  });

  it('rejects empty and malformed input', () => {
    expect(dial('')).toEqual({ ok: false, error: 'empty' });
    expect(dial('   ')).toEqual({ ok: false, error: 'empty' });
    expect(dial('hello')).toEqual({ ok: false, error: 'invalid' });
    expect(dial('12a34')).toEqual({ ok: false, error: 'invalid' });
    expect(dial('a b@example.org')).toEqual({ ok: false, error: 'invalid' });
    expect(dial('alice@')).toEqual({ ok: false, error: 'invalid' });
    expect(dial('+')).toEqual({ ok: false, error: 'invalid' });
  });

  it('keeps * and # for service codes', () => {
    expect(dial('*100#')).toMatchObject({ ok: true, uri: 'sip:*100#@webph.one' });
  });
});

describe('peerKey', () => {
  it('uses the bare number for our own domain and user@host otherwise', () => {
    expect(peerKey('sip:99910012345@webph.one', 'webph.one')).toBe('99910012345');
    expect(peerKey('sip:99910012345@WEBPH.ONE:5061;transport=ws', 'webph.one')).toBe('99910012345');
    expect(peerKey('sip:alice@example.org', 'webph.one')).toBe('alice@example.org');
    expect(peerKey('sip:%2B5255@webph.one', 'webph.one')).toBe('+5255');
  });

  it('round-trips through resolveDial', () => {
    const key = peerKey('sip:alice@example.org', 'webph.one');
    expect(dial(key)).toMatchObject({ uri: 'sip:alice@example.org' });
  });
});
