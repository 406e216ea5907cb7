/**
 * Call progress tones generated with WebAudio (no audio files to download or cache). Frequencies and cadences
 * follow ITU-T E.180 common values: 425 Hz ringback 1 s on / 4 s off, busy 0.5 s on / 0.5 s off.
 */
export interface TonePattern {
  frequencies: number[];
  /** on/off durations in seconds, repeated. */
  cadence: number[];
  /** Total length in seconds; the pattern stops by itself after it. */
  length: number;
  volume: number;
}

export const RINGBACK: TonePattern = { frequencies: [425], cadence: [1, 4], length: 180, volume: 0.15 };
export const BUSY: TonePattern = { frequencies: [425], cadence: [0.5, 0.5], length: 4, volume: 0.15 };
export const RINGTONE: TonePattern = { frequencies: [880, 1175], cadence: [0.4, 0.2, 0.4, 2], length: 120, volume: 0.25 };

const DTMF_LOW: Record<string, number> = { '1': 697, '2': 697, '3': 697, A: 697, '4': 770, '5': 770, '6': 770, B: 770, '7': 852, '8': 852, '9': 852, C: 852, '*': 941, '0': 941, '#': 941, D: 941 };
const DTMF_HIGH: Record<string, number> = { '1': 1209, '4': 1209, '7': 1209, '*': 1209, '2': 1336, '5': 1336, '8': 1336, '0': 1336, '3': 1477, '6': 1477, '9': 1477, '#': 1477, A: 1633, B: 1633, C: 1633, D: 1633 };

export function dtmfPattern(key: string): TonePattern | undefined {
  const k = key.toUpperCase();
  if (!(k in DTMF_LOW)) return undefined;
  return { frequencies: [DTMF_LOW[k], DTMF_HIGH[k]], cadence: [0.12, 0.01], length: 0.12, volume: 0.1 };
}

export class TonePlayer {
  private context: AudioContext | undefined;
  private playing: { stop(): void } | undefined;

  private audio(): AudioContext | undefined {
    if (!this.context) {
      const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctor) return undefined;
      this.context = new Ctor();
    }
    // Autoplay policy: a context made outside a user gesture starts suspended; resume() succeeds once allowed.
    if (this.context.state === 'suspended') void this.context.resume().catch(() => undefined);
    return this.context;
  }

  /** Plays pattern, replacing whatever tone was playing. */
  play(pattern: TonePattern): void {
    this.stop();
    const ctx = this.audio();
    if (!ctx) return;
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscillators = pattern.frequencies.map((f) => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      return o;
    });
    // Schedule the whole cadence up front on the audio clock: exact timing, no JS timers.
    const start = ctx.currentTime + 0.02;
    const end = start + pattern.length;
    let t = start;
    let i = 0;
    while (t < end) {
      const duration = pattern.cadence[i % pattern.cadence.length];
      const on = i % 2 === 0;
      gain.gain.setValueAtTime(on ? pattern.volume / pattern.frequencies.length : 0, t);
      t += duration;
      i++;
    }
    gain.gain.setValueAtTime(0, end);
    for (const o of oscillators) {
      o.start(start);
      o.stop(end + 0.05);
    }
    const handle = {
      stop: () => {
        for (const o of oscillators) {
          try {
            o.stop();
          } catch {
            /* not started or already stopped */
          }
          o.disconnect();
        }
        gain.disconnect();
      },
    };
    this.playing = handle;
  }

  /** A short key click that does not interrupt a running pattern's replacement logic. */
  key(key: string): void {
    const p = dtmfPattern(key);
    if (p) this.play(p);
  }

  stop(): void {
    this.playing?.stop();
    this.playing = undefined;
  }
}
