/** Display formatters. All pure; locale fixed to en-US so output is stable. */

const LOCALE = 'en-US';

export function isNum(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

export function formatNumber(n: number | null | undefined): string {
  return isNum(n) ? n.toLocaleString(LOCALE) : '—';
}

/** "$22.18"; sub-cent amounts (CPU demo runs) keep up to 4 decimals instead of showing $0.00. */
export function formatCurrency(n: number | null | undefined): string {
  if (!isNum(n)) return '—';
  const tiny = n !== 0 && Math.abs(n) < 0.01;
  return n.toLocaleString(LOCALE, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: tiny ? 4 : 2 });
}

/** "$45–55" for ranges of ≥ $10, "$0.12–0.18" below. */
export function formatCurrencyRange(min: number | null | undefined, max: number | null | undefined): string {
  if (!isNum(min) || !isNum(max)) return '—';
  const whole = min >= 10 && max >= 10;
  const tiny = max !== 0 && Math.abs(max) < 0.01;
  const fmt = (n: number) =>
    n.toLocaleString(LOCALE, { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: whole ? 0 : tiny ? 4 : 2 });
  const a = fmt(min);
  const b = fmt(max);
  return a === b ? `$${a}` : `$${a}–${b}`;
}

export function formatRate(n: number | null | undefined): string {
  return isNum(n) ? `${formatCurrency(n)}/hr` : '—';
}

/** Compact duration: "45s", "3m 42s", "6h 23m", "2d 4h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNum(seconds)) return '—';
  if (seconds > 0 && seconds < 1) return '<1s';
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return h ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** Countdown text; seconds shown (zero-padded) under an hour so it visibly ticks. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function formatTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toLocaleTimeString(LOCALE, { hour: 'numeric', minute: '2-digit' });
}

export function formatTimeWithSeconds(iso: string): string {
  return new Date(iso).toLocaleTimeString(LOCALE, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** "14:28:15" today, "Nov 28 14:28:15" on other days. */
export function formatEventTime(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const time = formatTimeWithSeconds(iso);
  if (sameDay(d, now)) return time;
  return `${d.toLocaleDateString(LOCALE, { month: 'short', day: 'numeric' })} ${time}`;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "Today at 2:30 PM", "Yesterday at 9:00 AM", "Nov 3 at 1:15 PM", "Nov 3, 2024 at ..." */
export function formatDayTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const time = formatTime(d);
  if (sameDay(d, now)) return `Today at ${time}`;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, yesterday)) return `Yesterday at ${time}`;
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  if (sameDay(d, tomorrow)) return `Tomorrow at ${time}`;
  const opts: Intl.DateTimeFormatOptions =
    d.getFullYear() === now.getFullYear() ? { month: 'short', day: 'numeric' } : { month: 'short', day: 'numeric', year: 'numeric' };
  return `${d.toLocaleDateString(LOCALE, opts)} at ${time}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(LOCALE, { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' });
}

/** "Today at 6:45 PM (in 3h 20m)" — or "Starting soon" once the estimate has passed. */
export function formatEstimatedStart(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return 'Unknown (no worker of this type online)';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return 'Waiting for a free slot';
  const diff = (t - nowMs) / 1000;
  if (diff <= 0) return 'Starting soon';
  return `${formatDayTime(iso, new Date(nowMs))} (in ${formatCountdown(diff)})`;
}

export function formatBytes(n: number | null | undefined): string {
  if (!isNum(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 10 ? 0 : 1)} ${units[i]}`;
}

export function formatLoss(n: number | null | undefined): string {
  return isNum(n) ? n.toFixed(3) : '—';
}

export function formatLearningRate(n: number | null | undefined): string {
  if (!isNum(n)) return '—';
  if (n === 0) return '0';
  if (Math.abs(n) < 1e-6) return n.toExponential(2);
  return String(Number(n.toPrecision(3)));
}

export function formatPercent(n: number | null | undefined, digits = 0): string {
  return isNum(n) ? `${n.toFixed(digits)}%` : '—';
}

export function formatCompact(n: number | null | undefined): string {
  if (!isNum(n)) return '—';
  return n.toLocaleString(LOCALE, { notation: 'compact', maximumFractionDigits: 1 });
}

export function formatParams(n: number | string | null | undefined): string {
  if (typeof n === 'string') return n;
  return isNum(n) ? `${formatCompact(n)} params` : '';
}

/** Display a free-form config value: arrays as "a, b", objects as JSON. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
