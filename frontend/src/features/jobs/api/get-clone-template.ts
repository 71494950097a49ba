import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { CloneTemplate } from '../../../lib/api-types';

/** The create body that duplicates a job (its data, model, GPU and exact hyperparameters). */
export const getCloneTemplate = (id: string, signal?: AbortSignal) => api<CloneTemplate>(`/api/training/jobs/${id}/clone`, { signal });

export const cloneTemplateQueryOptions = (id: string) =>
  queryOptions({ queryKey: ['jobs', 'clone', id], queryFn: ({ signal }) => getCloneTemplate(id, signal), staleTime: 0 });

/** Fetched once per visit of the create form with `?clone=<id>`; disabled without an id. */
export const useCloneTemplate = (id: string | null) => useQuery({ ...cloneTemplateQueryOptions(id ?? ''), enabled: !!id });
