import { describe, expect, it } from 'vitest';
import { readEventLogView, writeEventLogView } from './url-state';

describe('event log view in the URL', () => {
  it('reads type, search and page, ignoring junk', () => {
    expect(readEventLogView(new URLSearchParams('tab=events&ev_type=warning&ev_q=trunc&ev_page=3'))).toEqual({ type: 'warning', search: 'trunc', page: 3 });
    expect(readEventLogView(new URLSearchParams('ev_type=toString&ev_page=-2'))).toEqual({ type: '', search: '', page: 1 });
    expect(readEventLogView(new URLSearchParams('ev_page=abc'))).toEqual({ type: '', search: '', page: 1 });
  });
  it('writes only what differs from the defaults and keeps the other parameters', () => {
    const p = writeEventLogView(new URLSearchParams('tab=events&ev_page=4'), { type: 'metrics', search: ' loss ', page: 1 });
    expect(p.toString()).toBe('tab=events&ev_type=metrics&ev_q=loss');
    expect(writeEventLogView(p, { type: '', search: '', page: 2 }).toString()).toBe('tab=events&ev_page=2');
  });
  it('round-trips', () => {
    const view = { type: 'checkpoint' as const, search: 'step 40', page: 7 };
    expect(readEventLogView(writeEventLogView(new URLSearchParams(), view))).toEqual(view);
  });
});
