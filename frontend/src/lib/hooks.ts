import { useEffect, useRef, useState } from 'react';

/** Current time (ms), re-rendering every `intervalMs` while `enabled`. */
export function useNow(intervalMs = 1000, enabled = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return;
    setNow(Date.now());
    const id = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(id);
  }, [intervalMs, enabled]);
  return now;
}

export function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(value), delayMs);
    return () => window.clearTimeout(id);
  }, [value, delayMs]);
  return debounced;
}

/** True for `ms` after `value` changes (not on first render) — drives highlight animations. */
export function useChangeFlash(value: unknown, ms = 1200): boolean {
  const first = useRef(true);
  const last = useRef(value);
  const [flash, setFlash] = useState(false);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      last.current = value;
      return;
    }
    if (Object.is(last.current, value)) return;
    last.current = value;
    setFlash(true);
    const id = window.setTimeout(() => setFlash(false), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return flash;
}
