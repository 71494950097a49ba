import { Chart as ChartJS, Filler, Legend, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { followColorScheme } from '../../../lib/chart-theme';

ChartJS.register(LinearScale, LogarithmicScale, PointElement, LineElement, Tooltip, Legend, Filler, zoomPlugin);
followColorScheme();

export { ChartJS };
