import { Chart } from 'chart.js';

let following = false;

/** Chart.js paints on a canvas, where CSS does not reach: its default text and grid colours are
 * taken from the page's theme variables (--text-3, --border), so charts follow the light or dark
 * scheme the system asks for, and are re-read (charts redrawn) when that setting changes. */
export function followColorScheme(): void {
  if (following || typeof window === 'undefined') return;
  following = true;
  const apply = () => {
    const css = getComputedStyle(document.documentElement);
    const text = css.getPropertyValue('--text-3').trim();
    const border = css.getPropertyValue('--border').trim();
    if (text) Chart.defaults.color = text;
    if (border) Chart.defaults.borderColor = border;
  };
  apply();
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    apply();
    for (const chart of Object.values(Chart.instances)) chart.update();
  });
}
