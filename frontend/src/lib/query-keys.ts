/** Query keys shared across features so one feature can invalidate another's data. */
export const queryKeys = {
  me: ['auth', 'me'] as const,
  apiTokens: ['auth', 'tokens'] as const,
  jobs: ['jobs'] as const,
  jobLists: ['jobs', 'list'] as const,
  jobList: (params: object) => ['jobs', 'list', params] as const,
  job: (id: string) => ['jobs', 'detail', id] as const,
  jobMetrics: (id: string) => ['jobs', 'metrics', id] as const,
  jobEvents: (id: string, params: object) => ['jobs', 'events', id, params] as const,
  jobEventsAll: (id: string) => ['jobs', 'events', id] as const,
  queue: ['queue'] as const,
  spend: ['spend'] as const,
  gpuTypes: ['catalog', 'gpu-types'] as const,
  presets: ['catalog', 'presets'] as const,
  baseModels: ['catalog', 'base-models'] as const,
  datasets: ['datasets'] as const,
  estimate: (body: object) => ['estimate', body] as const,
};
