import type { CompareRun } from '../../../lib/api-types';

export const A = '11111111-1111-1111-1111-111111111111';
export const B = '22222222-2222-2222-2222-222222222222';

/** A compared run as the API returns it (tests only). */
export function run(over: Partial<CompareRun> = {}): CompareRun {
  return {
    id: A,
    name: 'lr-low',
    status: 'completed',
    created_at: '2026-11-30T10:00:00Z',
    current_step: 20,
    total_steps: 20,
    tokens_per_step: 100,
    config: { base_model: 'tiny-random-llama', learning_rate: 0.0001, lora_r: 8 },
    final: { step: 20, train_loss: 1.5, val_loss: 1.7, best_val_loss: 1.6, mean_tokens_per_second: 1234, peak_gpu_memory_mb: null, duration_seconds: 95, cost: 0.0013 },
    total_points: 3,
    downsampled: false,
    points: [
      { step: 0, tokens_seen: 0, train_loss: null, val_loss: 2.5 },
      { step: 10, tokens_seen: 1000, train_loss: 2.0, val_loss: 1.6 },
      { step: 20, tokens_seen: 2000, train_loss: 1.5, val_loss: 1.7 },
    ],
    ...over,
  };
}
