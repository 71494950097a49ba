import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Dataset, Paginated } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export const getDatasets = () => api<Paginated<Dataset>>('/api/training/datasets', { query: { page_size: 100 } });

export const datasetsQueryOptions = queryOptions({ queryKey: queryKeys.datasets, queryFn: getDatasets });

export const useDatasets = () => useQuery(datasetsQueryOptions);
