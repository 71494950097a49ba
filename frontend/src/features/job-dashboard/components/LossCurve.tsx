import type { ChartOptions, TooltipItem } from 'chart.js';
import { useMemo, useRef, useState } from 'react';
import { Line } from 'react-chartjs-2';
import type { MetricPoint } from '../../../lib/api-types';
import { formatNumber } from '../../../lib/format';
import { ChartJS } from './chart-setup';
import { chartSummary, lastValAtOrBefore, lossSeries, tooltipText, zoomInWindow } from '../utils/chart';

const BLUE = '#2563eb';
const ORANGE = '#f97316';

interface Props {
  points: MetricPoint[];
  jobName: string;
  downsampled?: boolean;
  totalPoints?: number;
  totalSteps?: number | null;
}

export function LossCurve({ points, jobName, downsampled, totalPoints, totalSteps }: Props) {
  const chartRef = useRef<ChartJS<'line', { x: number; y: number | null }[]> | null>(null);
  const [range, setRange] = useState<{ min: number; max: number } | null>(null);
  const series = useMemo(() => lossSeries(points), [points]);
  const lastStep = points.length ? points[points.length - 1].step : null;
  const axisMax = totalSteps && lastStep !== null && totalSteps >= lastStep ? totalSteps : undefined;
  // The tooltip reads the current series through a ref so the options object stays the same
  // across polls — new options would reset the user's zoom/pan.
  const seriesRef = useRef(series);
  seriesRef.current = series;

  const data = useMemo(
    () => ({
      datasets: [
        {
          label: 'Training loss',
          data: series.train,
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
          yAxisID: 'y1',
          fill: false,
        },
      ],
    }),
    [series],
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
          // Axis spans the whole run (0 → total steps) so the curve also shows how far along it is.
          min: 0,
          max: axisMax,
          title: { display: true, text: 'Step' },
          ticks: { callback: (v) => formatNumber(Number(v)), maxTicksLimit: 8 },
          grid: { color: '#eef2f7' },
        },
        y: {
          type: 'linear',
          position: 'left',
          title: { display: true, text: 'Training loss', color: BLUE },
          ticks: { color: BLUE },
          grid: { color: '#eef2f7' },
        },
        y1: {
          type: 'linear',
          position: 'right',
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
  }, [axisMax]);

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
      {empty ? (
        <div className="chart-empty" role="img" aria-label={summary}>
          <div>
            <div style={{ fontSize: 28 }} aria-hidden="true">
              ∿
            </div>
            No loss values yet — the curve appears once training logs its first steps.
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
          Training loss (left axis)
        </span>
        <span>
          <span className="legend-swatch legend-swatch--dashed" style={{ borderColor: ORANGE }} aria-hidden="true" />
          Validation loss (right axis)
        </span>
        <span className="muted" data-testid="chart-range">
          {range ? `Showing steps ${formatNumber(range.min)}–${formatNumber(range.max)}` : 'Showing all steps'}
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
