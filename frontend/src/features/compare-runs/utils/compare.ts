import type { CompareResponse, CompareRun } from '../../../lib/api-types';
import { formatCompact, formatDuration, formatLoss, formatNumber, formatValue, isNum } from '../../../lib/format';

export const MIN_RUNS = 2;
export const MAX_RUNS = 5;
/** One colour per run, in selection order (colour-blind safe Okabe–Ito hues). */
export const RUN_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00'];

export type Align = 'step' | 'tokens';
export type Show = 'both' | 'train' | 'val';

/** The comparison's view in the URL (shareable): `jobs=a,b,c&align=tokens&show=val&log=1`. */
export interface CompareView {
  ids: string[];
  align: Align;
  show: Show;
  log: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readCompareView(params: URLSearchParams): CompareView {
  const ids: string[] = [];
  for (const raw of (params.get('jobs') ?? '').split(',')) {
    const id = raw.trim().toLowerCase();
    if (UUID.test(id) && !ids.includes(id) && ids.length < MAX_RUNS) ids.push(id);
  }
  const align: Align = params.get('align') === 'tokens' ? 'tokens' : 'step';
  const show = params.get('show');
  return { ids, align, show: show === 'train' || show === 'val' ? show : 'both', log: params.get('log') === '1' };
}

export function writeCompareView(view: CompareView): URLSearchParams {
  const p = new URLSearchParams();
  if (view.ids.length) p.set('jobs', view.ids.join(','));
  if (view.align !== 'step') p.set('align', view.align);
  if (view.show !== 'both') p.set('show', view.show);
  if (view.log) p.set('log', '1');
  return p;
}

/** Adds or removes a job from the selection (never more than five). */
export function toggleId(ids: string[], id: string): string[] {
  if (ids.includes(id)) return ids.filter((x) => x !== id);
  return ids.length >= MAX_RUNS ? ids : [...ids, id];
}

export interface CurveSpec {
  run: number;
  kind: 'train' | 'val';
  label: string;
  color: string;
  points: { x: number; y: number }[];
}

/**
 * The overlaid curves: each run's training (solid) and validation (dashed) loss, on steps or
 * on tokens seen. Runs without a token count cannot be placed on the tokens axis: they are
 * returned in `unaligned` rather than drawn at a made-up position.
 */
export function compareCurves(runs: CompareRun[], align: Align, show: Show): { curves: CurveSpec[]; unaligned: string[] } {
  const curves: CurveSpec[] = [];
  const unaligned: string[] = [];
  runs.forEach((run, i) => {
    if (align === 'tokens' && !isNum(run.tokens_per_step)) {
      unaligned.push(run.name);
      return;
    }
    const color = RUN_COLORS[i % RUN_COLORS.length];
    const x = (p: CompareRun['points'][number]) => (align === 'tokens' ? p.tokens_seen : p.step);
    const series = (kind: 'train' | 'val') =>
      run.points.flatMap((p) => {
        const y = kind === 'train' ? p.train_loss : p.val_loss;
        const px = x(p);
        return isNum(y) && isNum(px) ? [{ x: px, y }] : [];
      });
    if (show !== 'val') curves.push({ run: i, kind: 'train', label: `${run.name} · training`, color, points: series('train') });
    if (show !== 'train') curves.push({ run: i, kind: 'val', label: `${run.name} · validation`, color, points: series('val') });
  });
  return { curves, unaligned };
}

const CONFIG_LABELS: Record<string, string> = { base_model: 'Base model', dataset: 'Dataset', gpu_type: 'GPU type', preset: 'Preset' };

export interface TableRow {
  key: string;
  label: string;
  values: string[];
  /** The row differs between runs (highlighted). */
  differs: boolean;
  group: 'config' | 'result';
}

const label = (key: string) => CONFIG_LABELS[key] ?? key.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

/** The table under the chart: the settings that differ, then each run's final figures. */
export function compareTable(data: CompareResponse): TableRow[] {
  const runs = data.runs;
  const config: TableRow[] = data.differing.map((key) => ({
    key,
    label: label(key),
    values: runs.map((r) => formatValue((r.config as Record<string, unknown>)[key])),
    differs: true,
    group: 'config',
  }));
  const result = (key: string, text: string, f: (r: CompareRun) => string): TableRow => {
    const values = runs.map(f);
    return { key, label: text, values, differs: new Set(values).size > 1, group: 'result' };
  };
  // One money format across the runs: cents, or 4 decimals when every cost is under $1.
  const digits = Math.max(0, ...runs.map((r) => r.final.cost)) >= 1 ? 2 : 4;
  const money = (n: number) => n.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });
  return [
    ...config,
    result('status', 'Status', (r) => r.status),
    result('steps', 'Steps', (r) => `${formatNumber(r.current_step)} / ${formatNumber(r.total_steps)}`),
    result('train_loss', 'Final training loss', (r) => formatLoss(r.final.train_loss)),
    result('val_loss', 'Final validation loss', (r) => formatLoss(r.final.val_loss)),
    result('best_val_loss', 'Best validation loss', (r) => formatLoss(r.final.best_val_loss)),
    result('tps', 'Mean throughput', (r) => (isNum(r.final.mean_tokens_per_second) ? `${formatCompact(r.final.mean_tokens_per_second)} tok/s` : '—')),
    result('gpu_mem', 'Peak GPU memory', (r) => (isNum(r.final.peak_gpu_memory_mb) ? `${formatNumber(Math.round(r.final.peak_gpu_memory_mb))} MB` : 'not measured')),
    result('duration', 'Duration', (r) => formatDuration(r.final.duration_seconds)),
    result('cost', 'Cost', (r) => money(r.final.cost)),
  ];
}

/** The run whose best validation loss is lowest (null when none has one). */
export function bestRun(runs: CompareRun[]): number | null {
  let best: number | null = null;
  runs.forEach((r, i) => {
    const v = r.final.best_val_loss;
    if (isNum(v) && (best === null || v < (runs[best].final.best_val_loss as number))) best = i;
  });
  return best;
}
