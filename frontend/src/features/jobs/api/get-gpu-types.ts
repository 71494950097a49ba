import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { GpuType } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export const getGpuTypes = () => api<GpuType[]>('/api/training/gpu-types');

export const gpuTypesQueryOptions = queryOptions({ queryKey: queryKeys.gpuTypes, queryFn: getGpuTypes, staleTime: 10 * 60_000 });

export const useGpuTypes = () => useQuery(gpuTypesQueryOptions);
