/** A tiny observable state container: components re-render on change, controllers call set(). */
export class Store<S extends object> {
  private listeners = new Set<(s: S) => void>();
  constructor(private current: S) {}

  get(): S {
    return this.current;
  }

  set(patch: Partial<S>): void {
    this.current = { ...this.current, ...patch };
    for (const l of [...this.listeners]) l(this.current);
  }

  subscribe(listener: (s: S) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
