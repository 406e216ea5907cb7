/** The server's public client configuration (GET /api/v1/config). */
export interface DialRules {
  /** Number prefixes of webph.one virtual numbers, e.g. "999100". */
  virtualPrefixes: string[];
  /** Numbers starting with this go to the conference server, e.g. "500". */
  conferencePrefix: string;
  /** Prefixes (digits) or anchored regular expressions of community GSM networks. */
  communityPrefixes: string[];
}

export interface ServerConfig {
  domain: string;
  wsUrl: string;
  dialRules: DialRules;
  push: { enabled: boolean };
}

/** Accepts the server's JSON and fills safe defaults for missing optional parts; throws on missing essentials. */
export function parseServerConfig(json: unknown): ServerConfig {
  if (!json || typeof json !== 'object') throw new Error('config is not an object');
  const o = json as Record<string, unknown>;
  if (typeof o.domain !== 'string' || !o.domain) throw new Error('config.domain missing');
  if (typeof o.wsUrl !== 'string' || !/^wss?:\/\//.test(o.wsUrl)) throw new Error('config.wsUrl missing or not ws(s)://');
  const rules = (o.dialRules ?? {}) as Record<string, unknown>;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
  const push = (o.push ?? {}) as Record<string, unknown>;
  return {
    domain: o.domain,
    wsUrl: o.wsUrl,
    dialRules: {
      virtualPrefixes: strings(rules.virtualPrefixes),
      conferencePrefix: typeof rules.conferencePrefix === 'string' ? rules.conferencePrefix : '',
      communityPrefixes: strings(rules.communityPrefixes),
    },
    push: { enabled: push.enabled !== false },
  };
}
