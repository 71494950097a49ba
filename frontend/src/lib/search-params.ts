import { useCallback, useRef } from 'react';
import { useSearchParams, type NavigateOptions } from 'react-router';

export type SearchParamsUpdate = (update: (prev: URLSearchParams) => URLSearchParams, options?: NavigateOptions) => void;

/**
 * `useSearchParams` whose updates compose. React Router's functional `setSearchParams` hands its
 * updater the params of the last render, not of the last call: two changes before a re-render
 * (a filter, then at once another) lost the first. Here each update applies to the newest
 * params, including an update not rendered yet, and gets its own copy to change. A new URL from
 * elsewhere (back, forward, a link) takes over when it renders.
 */
export function useSearchParamsState(): [URLSearchParams, SearchParamsUpdate] {
  const [params, setParams] = useSearchParams();
  const latest = useRef(params);
  const rendered = useRef(params);
  // useSearchParams returns a new object only when the URL's search changed.
  if (rendered.current !== params) {
    rendered.current = params;
    latest.current = params;
  }
  const update = useCallback<SearchParamsUpdate>(
    (fn, options) => {
      const next = fn(new URLSearchParams(latest.current));
      latest.current = next;
      setParams(next, options);
    },
    [setParams],
  );
  return [params, update];
}
