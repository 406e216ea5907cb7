import { describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../src/lib/push';

describe('withTimeout', () => {
  it('passes a settled value through', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
  });

  it('rejects a promise that never settles', async () => {
    vi.useFakeTimers();
    try {
      const pending = withTimeout(new Promise<never>(() => {}), 10_000);
      vi.advanceTimersByTime(10_001);
      await expect(pending).rejects.toThrow('timed out after 10000 ms');
    } finally {
      vi.useRealTimers();
    }
  });
});
