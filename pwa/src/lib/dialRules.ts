import type { DialRules } from './config';

export type DialKind = 'virtual' | 'conference' | 'community' | 'sip-address' | 'local';

export type DialResult =
  | { ok: true; kind: DialKind; uri: string; display: string }
  | { ok: false; error: 'empty' | 'invalid' };

/** Characters people paste around phone numbers ("+54 (11) 555-1234") that carry no meaning for dialing. */
const NUMBER_DECORATION = /[\s\-().\/]/g;
const DIALABLE = /^\+?[0-9*#]+$/;
const SIP_ADDRESS = /^(sips?:)?([^\s@:;]+)@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(;[^\s]*)?$/;

function matchesCommunity(number: string, entry: string): boolean {
  if (/^[0-9]+$/.test(entry)) return number.startsWith(entry);
  // Non-digit entries are regular expressions (the original server used a regex of community prefixes).
  try {
    return new RegExp(`^(?:${entry})`).test(number);
  } catch {
    return false;
  }
}

/**
 * Turns what the person typed or pasted into a SIP request URI, following the server's dial rules:
 * addresses with "@" are dialed as SIP URIs, numbers go to the server's domain (which routes virtual,
 * conference and community prefixes); the kind only tells the UI what is being called.
 */
export function resolveDial(input: string, rules: DialRules, domain: string): DialResult {
  const trimmed = input.trim();
  if (!trimmed) return { ok: false, error: 'empty' };

  if (trimmed.includes('@')) {
    const m = SIP_ADDRESS.exec(trimmed);
    if (!m) return { ok: false, error: 'invalid' };
    const scheme = m[1] ?? 'sip:';
    const rest = trimmed.slice(m[1]?.length ?? 0);
    return { ok: true, kind: 'sip-address', uri: `${scheme}${rest}`, display: rest };
  }

  const number = trimmed.replace(NUMBER_DECORATION, '');
  if (!DIALABLE.test(number)) return { ok: false, error: 'invalid' };
  // "+" is kept for display only: the networks behind the server use plain digit strings.
  const digits = number.startsWith('+') ? number.slice(1) : number;
  if (!digits) return { ok: false, error: 'invalid' };
  const uri = `sip:${digits}@${domain}`;

  if (rules.conferencePrefix && digits.startsWith(rules.conferencePrefix) && digits.length > rules.conferencePrefix.length) {
    return { ok: true, kind: 'conference', uri, display: digits };
  }
  if (rules.virtualPrefixes.some((p) => digits.startsWith(p))) {
    return { ok: true, kind: 'virtual', uri, display: digits };
  }
  if (rules.communityPrefixes.some((p) => matchesCommunity(digits, p))) {
    return { ok: true, kind: 'community', uri, display: digits };
  }
  return { ok: true, kind: 'local', uri, display: digits };
}

/**
 * The key of a peer for conversations, contacts and history: the bare number for people on our own domain
 * ("sip:99910012345@host" -> "99910012345"), "user@domain" for others, so the key can be dialed again.
 */
export function peerKey(uri: string, ownDomain: string): string {
  const noScheme = uri.trim().replace(/^sips?:/i, '');
  const at = noScheme.indexOf('@');
  if (at < 0) return safeDecode(noScheme.split(';')[0]);
  const user = safeDecode(noScheme.slice(0, at).split(';')[0]);
  const host = noScheme.slice(at + 1).split(/[;?>]/)[0].replace(/:\d+$/, '').toLowerCase();
  return host === ownDomain.toLowerCase() ? user : `${user}@${host}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
