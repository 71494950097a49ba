import { Chart } from 'chart.js';
import { describe, expect, it } from 'vitest';
import { followColorScheme } from './chart-theme';

describe('followColorScheme', () => {
  it("takes Chart.js's text and grid colours from the theme's CSS variables", () => {
    document.documentElement.style.setProperty('--text-3', '#9aa7b9');
    document.documentElement.style.setProperty('--border', '#2a3850');
    followColorScheme();
    expect(Chart.defaults.color).toBe('#9aa7b9');
    expect(Chart.defaults.borderColor).toBe('#2a3850');
  });
});
