import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { BaseModel } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export const getBaseModels = () => api<BaseModel[]>('/api/training/base-models');

export const baseModelsQueryOptions = queryOptions({ queryKey: queryKeys.baseModels, queryFn: getBaseModels, staleTime: 10 * 60_000 });

export const useBaseModels = () => useQuery(baseModelsQueryOptions);
