import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Dataset } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export function uploadDataset({ file, name }: { file: File; name: string }): Promise<Dataset> {
  const form = new FormData();
  form.append('file', file);
  form.append('name', name);
  return api<Dataset>('/api/training/datasets', { method: 'POST', body: form });
}

export function useUploadDataset() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: uploadDataset,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.datasets }),
  });
}
