import type { ChartOptions, TooltipItem } from 'chart.js';
import { useMemo, useRef, useState } from 'react';
import { Line } from 'react-chartjs-2';
import type { MetricPoint } from '../../../lib/api-types';
import { formatNumber } from '../../../lib/format';
import { ChartJS } from './chart-setup';
import { chartSummary, emaSmooth, lastValAtOrBefore, lossSeries, tooltipText, xAxisMax, zoomInWindow } from '../utils/chart';
import { ChartControls, DEFAULT_CHART_SETTINGS, type ChartSettings } from './ChartControls';

const BLUE = '#2563eb';
const ORANGE = '#f97316';

interface Props {
  points: MetricPoint[];
  jobName: string;
  downsampled?: boolean;
  totalPoints?: number;
  totalSteps?: number | null;
  /** The job's current step: the step axis ends there unless the planned range is asked for. */
  currentStep?: number | null;
  /** The job is completed, failed or cancelled (an empty chart then says it never logged loss). */
  finished?: boolean;
}

export function LossCurve({ points, jobName, downsampled, totalPoints, totalSteps, currentStep, finished = false }: Props) {
  const [settings, setSettings] = useState<ChartSettings>(DEFAULT_CHART_SETTINGS);
  const chartRef = useRef<ChartJS<'line', { x: number; y: number | null }[]> | null>(null);
  const [range, setRange] = useState<{ min: number; max: number } | null>(null);
  const series = useMemo(() => lossSeries(points), [points]);
  const smoothed = useMemo(() => emaSmooth(series.train, settings.smoothing), [series, settings.smoothing]);
  const lastStep = points.length ? points[points.length - 1].step : null;
  const axisMax = xAxisMax({ currentStep, lastStep, totalSteps, planned: settings.planned });
  const canShowPlanned = !!totalSteps && totalSteps > Math.max(currentStep ?? 0, lastStep ?? 0);
  const { separate, log } = settings;
  const smoothing = settings.smoothing > 0;
  // The tooltip reads the current series through a ref so the options object stays the same
  // across polls — new options would reset the user's zoom/pan.
  const seriesRef = useRef(series);
  seriesRef.current = series;

  const data = useMemo(
    () => ({
      datasets: [
        {
          label: smoothing ? 'Training loss (smoothed)' : 'Training loss',
          data: smoothed,
          borderColor: BLUE,
          backgroundColor: 'rgba(37, 99, 235, 0.08)',
          borderWidth: 2,
          pointRadius: 0,
          pointHoverRadius: 4,
          tension: 0.25,
          spanGaps: true,
          yAxisID: 'y',
          fill: false,
        },
        {
          label: 'Validation loss',
          data: series.val,
          borderColor: ORANGE,
          backgroundColor: ORANGE,
          borderWidth: 2,
          borderDash: [6, 4],
          pointRadius: series.val.filter((p) => p.y !== null).length < 60 ? 2.5 : 0,
          pointHoverRadius: 4,
          tension: 0.25,
          spanGaps: true,
          yAxisID: separate ? 'y1' : 'y',
          fill: false,
        },
        // With smoothing on, the raw training loss stays visible underneath, faint.
        ...(smoothing
          ? [
              {
                label: 'Training loss (raw)',
                data: series.train,
                borderColor: 'rgba(37, 99, 235, 0.25)',
                backgroundColor: 'transparent',
                borderWidth: 1,
                pointRadius: 0,
                pointHoverRadius: 0,
                tension: 0,
                spanGaps: true,
                yAxisID: 'y',
                fill: false,
              },
            ]
          : []),
      ],
    }),
    [series, smoothed, smoothing, separate],
  );

  const options = useMemo<ChartOptions<'line'>>(() => {
    const syncRange = ({ chart }: { chart: ChartJS }) => {
      const x = chart.scales.x;
      setRange(chart.isZoomedOrPanned() ? { min: Math.round(x.min), max: Math.round(x.max) } : null);
    };
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 250 },
      parsing: false,
      normalized: true,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: {
          type: 'linear',
          // Axis ends at the current step (the whole planned run on request).
          min: 0,
          max: axisMax,
          title: { display: true, text: 'Step' },
          ticks: { callback: (v) => formatNumber(Number(v)), maxTicksLimit: 8 },
        },
        // One loss axis by default, so training and validation can be compared by eye.
        y: {
          type: log ? 'logarithmic' : 'linear',
          position: 'left',
          title: { display: true, text: separate ? 'Training loss' : `Loss${log ? ' (log)' : ''}`, color: separate ? BLUE : undefined },
          ticks: separate ? { color: BLUE } : {},
        },
        y1: {
          type: log ? 'logarithmic' : 'linear',
          position: 'right',
          display: separate,
          title: { display: true, text: 'Validation loss', color: ORANGE },
          ticks: { color: ORANGE },
          grid: { drawOnChartArea: false },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          displayColors: false,
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => {
              if (!items.length) return '';
              const i = items[0].dataIndex;
              const t = seriesRef.current.train[i];
              const v = lastValAtOrBefore(seriesRef.current.val, i);
              return tooltipText(t?.x ?? v?.x ?? 0, t?.y, v?.y, v?.x);
            },
            label: () => '',
          },
        },
        zoom: {
          limits: { x: { min: 'original', max: 'original', minRange: 10 } },
          pan: { enabled: true, mode: 'x', onPanComplete: syncRange },
          zoom: {
            wheel: { enabled: true, modifierKey: 'ctrl' },
            pinch: { enabled: true },
            drag: { enabled: false },
            mode: 'x',
            onZoomComplete: syncRange,
          },
        },
      },
    };
  }, [axisMax, separate, log]);

  const zoomIn = () => {
    const chart = chartRef.current;
    if (!chart) return;
    if (!chart.isZoomedOrPanned()) {
      const w = zoomInWindow(series.train.length ? series.train : series.val);
      if (w) chart.zoomScale('x', w, 'default');
    } else {
      chart.zoom(1.5);
    }
    const x = chart.scales.x;
    setRange(chart.isZoomedOrPanned() ? { min: Math.round(x.min), max: Math.round(x.max) } : null);
  };
  const zoomOut = () => {
    const chart = chartRef.current;
    if (!chart) return;
    chart.zoom(0.6);
    const x = chart.scales.x;
    setRange(chart.isZoomedOrPanned() ? { min: Math.round(x.min), max: Math.round(x.max) } : null);
  };
  const reset = () => {
    chartRef.current?.resetZoom();
    setRange(null);
  };
  const exportPng = () => {
    const chart = chartRef.current;
    if (!chart) return;
    // Paint a white background so the PNG is not transparent.
    const canvas = chart.canvas;
    const out = document.createElement('canvas');
    out.width = canvas.width;
    out.height = canvas.height;
    const ctx = out.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    const a = document.createElement('a');
    a.href = out.toDataURL('image/png');
    a.download = `${jobName.replace(/[^\w.-]+/g, '_') || 'job'}-loss-curve.png`;
    document.body.appendChild(a);
    a.click();
    a.remove();
  };

  const summary = chartSummary(points);
  const empty = series.train.length === 0 && series.val.length === 0;

  return (
    <div data-testid="loss-curve">
      <div className="row" style={{ justifyContent: 'space-between', marginBottom: 10 }}>
        <div className="row" role="group" aria-label="Chart zoom">
          <button type="button" className="btn btn--secondary btn--sm" onClick={zoomIn} disabled={empty}>
            Zoom In
          </button>
          <button type="button" className="btn btn--secondary btn--sm" onClick={zoomOut} disabled={empty || !range}>
            Zoom Out
          </button>
          <button type="button" className="btn btn--secondary btn--sm" onClick={reset} disabled={empty || !range}>
            Reset
          </button>
        </div>
        <button type="button" className="btn btn--ghost btn--sm" onClick={exportPng} disabled={empty}>
          ⤓ Export PNG
        </button>
      </div>
      <ChartControls value={settings} onChange={setSettings} canShowPlanned={canShowPlanned} />
      {empty ? (
        <div className="chart-empty" role="img" aria-label={summary}>
          <div>
            <svg width="40" height="28" viewBox="0 0 40 28" aria-hidden="true" style={{ display: 'block', margin: '0 auto 8px' }}>
              <path d="M2 24 C10 4, 16 8, 22 16 S34 22, 38 6" fill="none" stroke="#94a3b8" strokeWidth="2.5" strokeLinecap="round" />
            </svg>
            {finished ? 'This job ended without logging any loss values.' : 'No loss values yet — the curve appears once training logs its first steps.'}
          </div>
        </div>
      ) : (
        <div className="chart-box">
          <Line ref={chartRef} data={data} options={options} role="img" aria-label={summary} fallbackContent={<p>{summary}</p>} />
        </div>
      )}
      <div className="chart-legend">
        <span>
          <span className="legend-swatch" style={{ borderColor: BLUE }} aria-hidden="true" />
          Training loss{smoothing ? ` (smoothed ${settings.smoothing.toFixed(2)}, raw faint)` : ''}{separate ? ' (left axis)' : ''}
        </span>
        <span>
          <span className="legend-swatch legend-swatch--dashed" style={{ borderColor: ORANGE }} aria-hidden="true" />
          Validation loss{separate ? ' (right axis)' : ''}
        </span>
        <span className="muted" data-testid="chart-range">
          {range
            ? `Showing steps ${formatNumber(range.min)}–${formatNumber(range.max)}`
            : settings.planned && totalSteps
              ? `Showing the planned ${formatNumber(totalSteps)} steps`
              : `Showing all steps (0–${formatNumber(axisMax ?? 0)}${totalSteps ? ` of ${formatNumber(totalSteps)} planned` : ''})`}
          {downsampled && totalPoints ? ` · ${formatNumber(points.length)} of ${formatNumber(totalPoints)} points (downsampled)` : ''}
          {' · drag to pan, Ctrl+scroll to zoom'}
        </span>
      </div>
      <p className="visually-hidden">
        {summary}
      </p>
    </div>
  );
}
