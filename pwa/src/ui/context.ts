import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { AppController, AppState } from '../app/controller';
import type { Translate } from '../lib/i18n';

export const ControllerContext = createContext<AppController | null>(null);

export function useController(): AppController {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('ControllerContext missing');
  return c;
}

/** The whole app state; re-renders on every change (the state is small). */
export function useAppState(): AppState {
  const c = useController();
  const [state, setState] = useState(c.store.get());
  useEffect(() => c.store.subscribe(setState), [c]);
  return state;
}

export function useT(): Translate {
  const c = useController();
  useAppState(); // re-render on language change
  return c.t;
}

/** Re-renders every `ms` while active (call duration). */
export function useTicker(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [active, ms]);
  return now;
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

export function formatTime(t: number, lang: string): string {
  const d = new Date(t);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay
    ? d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
