import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Spend } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

/** This month's spend, budgets and quotas (the team's and each person's; `me` is the viewer). */
export const getSpend = () => api<Spend>('/api/training/spend');

export const spendQueryOptions = queryOptions({ queryKey: queryKeys.spend, queryFn: getSpend, staleTime: 30_000 });

export const useSpend = () => useQuery(spendQueryOptions);
