/**
 * Reconnect delay for attempt n (0-based): exponential from minMs, capped at maxMs, with "full jitter" in the
 * upper half so many phones that lost the same server do not come back in lockstep. random is injectable for tests.
 */
export function backoffDelay(attempt: number, minMs = 1000, maxMs = 30000, random: () => number = Math.random): number {
  const n = Math.max(0, Math.floor(attempt));
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(n, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
