import { parseServerConfig, type ServerConfig } from './config';
import type { CallOutcome, CallRecord, Credentials } from './storage';

/** What went wrong, as the UI needs to explain it (each kind has an i18n key `api.<kind>`). */
export type ApiErrorKind =
  | 'network'
  | 'badRequest'
  | 'unauthorized'
  | 'conflict'
  | 'rateLimited'
  | 'unavailable'
  | 'server'
  | 'badResponse';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    /** The server's own `{"error": "..."}` text, if any: shown as detail, not as the main message. */
    readonly detail?: string,
  ) {
    super(detail ? `${kind} (${status}): ${detail}` : `${kind} (${status})`);
    this.name = 'ApiError';
  }
}

/** Maps an HTTP status to the error kind the person sees. Pure, so it is tested without a server. */
export function errorKindForStatus(status: number): ApiErrorKind {
  if (status === 400 || status === 422) return 'badRequest';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rateLimited';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'server';
}

export interface NewNumber extends Credentials {}

export interface ServerCall {
  callId: string;
  direction: 'in' | 'out' | 'incoming' | 'outgoing';
  peer: string;
  start: string | number;
  answer?: string | number | null;
  end?: string | number | null;
  outcome: string;
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export function basicAuth(c: Pick<Credentials, 'number' | 'password'>): string {
  const bytes = new TextEncoder().encode(`${c.number}:${c.password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

export class ApiClient {
  constructor(
    private readonly base = '',
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {}

  private async call(path: string, init: RequestInit = {}): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, {
        ...init,
        headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
        cache: 'no-store',
      });
    } catch {
      throw new ApiError('network', 0);
    }
    const text = await response.text().catch(() => '');
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        if (response.ok) throw new ApiError('badResponse', response.status);
      }
    }
    if (!response.ok) {
      const detail =
        json && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string'
          ? (json as { error: string }).error
          : undefined;
      throw new ApiError(errorKindForStatus(response.status), response.status, detail);
    }
    return json;
  }

  async config(): Promise<ServerConfig> {
    const json = await this.call('/api/v1/config');
    try {
      return parseServerConfig(json);
    } catch (e) {
      throw new ApiError('badResponse', 200, (e as Error).message);
    }
  }

  async createNumber(prefix?: string): Promise<NewNumber> {
    const json = (await this.call('/api/v1/numbers', {
      method: 'POST',
      body: JSON.stringify(prefix ? { prefix } : {}),
    })) as Partial<NewNumber> | undefined;
    if (!json || typeof json.number !== 'string' || typeof json.password !== 'string' || typeof json.domain !== 'string') {
      throw new ApiError('badResponse', 201, 'number, password or domain missing');
    }
    return {
      number: json.number,
      password: json.password,
      domain: json.domain,
      sipUri: json.sipUri ?? `sip:${json.number}@${json.domain}`,
      wsUrl: json.wsUrl ?? '',
    };
  }

  async pushKey(): Promise<string> {
    const json = (await this.call('/api/v1/push/key')) as { key?: unknown } | undefined;
    if (!json || typeof json.key !== 'string' || !json.key) throw new ApiError('badResponse', 200, 'key missing');
    return json.key;
  }

  async saveSubscription(c: Credentials, subscription: PushSubscriptionJSON): Promise<void> {
    await this.call('/api/v1/push/subscriptions', {
      method: 'POST',
      headers: { Authorization: basicAuth(c) },
      body: JSON.stringify(subscription),
    });
  }

  async deleteSubscription(c: Credentials, endpoint: string): Promise<void> {
    await this.call('/api/v1/push/subscriptions', {
      method: 'DELETE',
      headers: { Authorization: basicAuth(c) },
      body: JSON.stringify({ endpoint }),
    });
  }

  async rejectCall(c: Pick<Credentials, 'number' | 'password'>, callId: string): Promise<void> {
    await this.call(`/api/v1/calls/${encodeURIComponent(callId)}/reject`, {
      method: 'POST',
      headers: { Authorization: basicAuth(c) },
    });
  }

  async myCalls(c: Credentials): Promise<CallRecord[]> {
    const json = await this.call('/api/v1/me/calls', { headers: { Authorization: basicAuth(c) } });
    if (!Array.isArray(json)) throw new ApiError('badResponse', 200, 'expected a list');
    return json.flatMap((raw) => {
      const r = toCallRecord(raw as ServerCall);
      return r ? [r] : [];
    });
  }

  async sendSurvey(user: string, rating: number, comment: string): Promise<void> {
    await this.call('/webpush/survey', { method: 'POST', body: JSON.stringify({ user, rating, comment }) });
  }
}

function time(v: string | number | null | undefined): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

const OUTCOMES: CallOutcome[] = ['answered', 'missed', 'rejected', 'busy', 'failed', 'canceled'];

/** Converts one server history entry; entries without a call id, peer or start time are skipped. */
export function toCallRecord(s: ServerCall): CallRecord | undefined {
  if (!s || typeof s.callId !== 'string' || typeof s.peer !== 'string') return undefined;
  const start = time(s.start);
  if (start === undefined) return undefined;
  const outcome = (OUTCOMES as string[]).includes(String(s.outcome).toLowerCase())
    ? (String(s.outcome).toLowerCase() as CallOutcome)
    : 'failed';
  return {
    callId: s.callId,
    peer: s.peer,
    direction: s.direction === 'out' || s.direction === 'outgoing' ? 'out' : 'in',
    start,
    answered: time(s.answer),
    end: time(s.end) ?? start,
    outcome,
  };
}
