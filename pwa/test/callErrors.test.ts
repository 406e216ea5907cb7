import { describe, expect, it } from 'vitest';
import { failureForCall, failureForStatus } from '../src/lib/callErrors';
import { dictionaries } from '../src/lib/i18n';

describe('call failure mapping', () => {
  it('maps the SIP responses the brief names', () => {
    expect(failureForCall('Not Found', 404)).toBe('notFound');
    expect(failureForCall('Unavailable', 480)).toBe('unavailable');
    expect(failureForCall('Busy', 486)).toBe('busy');
    expect(failureForCall('Rejected', 603)).toBe('declined');
  });

  it('prefers the status code over the generic cause', () => {
    expect(failureForCall('SIP Failure Code', 484)).toBe('addressIncomplete');
    expect(failureForCall('SIP Failure Code', 503)).toBe('server');
    expect(failureForCall('Rejected', 403)).toBe('declined');
    expect(failureForCall('Canceled', 487)).toBe('canceled');
  });

  it('maps causes without a response', () => {
    expect(failureForCall('Connection Error')).toBe('network');
    expect(failureForCall('Request Timeout')).toBe('network');
    expect(failureForCall('User Denied Media Access')).toBe('micDenied');
    expect(failureForCall('No Answer')).toBe('noAnswer');
    expect(failureForCall('WebRTC Error')).toBe('media');
    expect(failureForCall('Authentication Error')).toBe('auth');
    expect(failureForCall('something new')).toBe('failed');
    expect(failureForCall(undefined)).toBe('failed');
  });

  it('ignores provisional/success codes and unknown statuses', () => {
    expect(failureForStatus(183)).toBeUndefined();
    expect(failureForStatus(499)).toBeUndefined();
    expect(failureForCall('Busy', 180)).toBe('busy');
  });

  it('has a message for every failure in every language', () => {
    const all = ['notFound', 'unavailable', 'busy', 'declined', 'addressIncomplete', 'noAnswer', 'canceled', 'network', 'micDenied', 'media', 'auth', 'server', 'failed'];
    for (const lang of ['en', 'es'] as const) {
      for (const f of all) expect(dictionaries[lang][`callError.${f}` as keyof (typeof dictionaries)['en']]).toBeTruthy();
    }
  });
});
