/** The browser's Notification API, or null where there is none (old browsers, some webviews). */
export function notificationApi(): typeof Notification | null {
  return typeof window !== 'undefined' && 'Notification' in window ? window.Notification : null;
}

export const OUTCOME_TEXT: Record<string, string> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'was cancelled',
  paused: 'was paused',
};
