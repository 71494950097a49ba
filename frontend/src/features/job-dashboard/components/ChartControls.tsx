export interface ChartSettings {
  /** 0 (raw) … 0.99: EMA weight applied to the training loss. */
  smoothing: number;
  log: boolean;
  /** Train and validation loss on their own y-axes (default: one shared loss axis). */
  separate: boolean;
  /** The step axis spans the whole planned run instead of ending at the current step. */
  planned: boolean;
}

export const DEFAULT_CHART_SETTINGS: ChartSettings = { smoothing: 0, log: false, separate: false, planned: false };

interface Props {
  value: ChartSettings;
  onChange: (next: ChartSettings) => void;
  /** The run has a planned length beyond its current step. */
  canShowPlanned: boolean;
}

/** The loss chart's view options: smoothing, log scale, shared or separate axes, planned range. */
export function ChartControls({ value, onChange, canShowPlanned }: Props) {
  const set = (patch: Partial<ChartSettings>) => onChange({ ...value, ...patch });
  return (
    <div className="chart-controls" role="group" aria-label="Loss chart options" data-testid="chart-controls">
      <label>
        Smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={value.smoothing}
          onChange={(e) => set({ smoothing: Number(e.target.value) })}
          aria-valuetext={value.smoothing ? value.smoothing.toFixed(2) : 'off'}
          data-testid="smoothing-slider"
        />
        <span className="muted" style={{ minWidth: 28 }}>{value.smoothing ? value.smoothing.toFixed(2) : 'off'}</span>
      </label>
      <label>
        <input type="checkbox" checked={value.log} onChange={(e) => set({ log: e.target.checked })} data-testid="log-scale" />
        Log scale
      </label>
      <label>
        <input type="checkbox" checked={value.separate} onChange={(e) => set({ separate: e.target.checked })} data-testid="separate-axes" />
        Separate axes
      </label>
      <label>
        <input type="checkbox" checked={value.planned} disabled={!canShowPlanned} onChange={(e) => set({ planned: e.target.checked })} data-testid="planned-range" />
        Planned range
      </label>
    </div>
  );
}
