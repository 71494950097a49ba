import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { PresetInfo } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export const getPresets = () => api<PresetInfo[]>('/api/training/presets');

export const presetsQueryOptions = queryOptions({ queryKey: queryKeys.presets, queryFn: getPresets, staleTime: 10 * 60_000 });

export const usePresets = () => useQuery(presetsQueryOptions);
