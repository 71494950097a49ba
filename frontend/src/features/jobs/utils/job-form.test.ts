import { describe, expect, it } from 'vitest';
import type { HyperparameterBounds } from '../../../lib/api-types';
import { EMPTY_FORM, buildJobBody, fieldError, parseHyperparameters } from './job-form';

// As the presets endpoint serves them (worker/contract/hyperparameters.py).
const bound = (name: string, type: 'int' | 'float', minimum: number, maximum: number, exclusive_minimum = false): HyperparameterBounds => ({ name, type, minimum, maximum, exclusive_minimum, choices: [], default: null });
const BOUNDS = [bound('epochs', 'int', 1, 100), bound('learning_rate', 'float', 1e-7, 0.1), bound('batch_size', 'int', 1, 1024), bound('lora_dropout', 'float', 0, 0.9), bound('lora_r', 'int', 1, 1024), bound('lora_alpha', 'float', 0, 4096, true)];

const complete = { ...EMPTY_FORM, name: ' Elena ', datasetId: '12', baseModel: 'tiny-random-llama', gpuType: 'h100' };

describe('job form', () => {
  it('needs dataset, model and GPU before building a body', () => {
    expect(buildJobBody(EMPTY_FORM)).toBeNull();
    expect(buildJobBody({ ...complete, gpuType: '' })).toBeNull();
  });

  it('needs a name to create but not to estimate', () => {
    expect(buildJobBody({ ...complete, name: '' })).toBeNull();
    expect(buildJobBody({ ...complete, name: '' }, { forEstimate: true })?.name).toBe('Untitled job');
  });

  it('builds the create body', () => {
    expect(buildJobBody({ ...complete, notes: 'for Q3' })).toEqual({
      name: 'Elena',
      dataset_id: '12',
      base_model: 'tiny-random-llama',
      preset: 'balanced',
      gpu_type: 'h100',
      pricing: 'spot',
      anomaly_pause: true,
      metadata: { notes: 'for Q3' },
    });
    expect(buildJobBody({ ...complete, anomalyPause: false })?.anomaly_pause).toBe(false);
  });

  it('sends dataset ids as strings and custom hyperparameters', () => {
    const body = buildJobBody({ ...complete, datasetId: 'a1b2-c3', preset: 'custom', hyperparameters: { epochs: '3', learning_rate: '0.0002', lora_r: '' } });
    expect(body?.dataset_id).toBe('a1b2-c3');
    expect(body?.hyperparameters).toEqual({ epochs: 3, learning_rate: 0.0002 });
  });

  it('rejects hyperparameters outside the API bounds', () => {
    expect(parseHyperparameters({ epochs: '1.5', lora_dropout: '-1', batch_size: 'x' }, BOUNDS).errors).toEqual({
      epochs: 'Enter a whole number',
      lora_dropout: 'Enter a number ≥ 0',
      batch_size: 'Enter a number',
    });
    expect(parseHyperparameters({ epochs: '101', learning_rate: '0.5', lora_dropout: '0.9', lora_alpha: '0' }, BOUNDS).errors).toEqual({
      epochs: 'Enter a number ≤ 100',
      learning_rate: 'Enter a number ≤ 0.1',
      lora_alpha: 'Enter a number > 0',
    });
    expect(buildJobBody({ ...complete, preset: 'custom', hyperparameters: { epochs: '0' } }, { bounds: BOUNDS })).toBeNull();
    expect(buildJobBody({ ...complete, preset: 'custom', hyperparameters: { epochs: '100' } }, { bounds: BOUNDS })?.hyperparameters).toEqual({ epochs: 100 });
  });

  it('finds API field errors under any of several keys', () => {
    const fields = { 'hyperparameters.learning_rate': ['Too high.'], name: ['Required.', 'Too short.'] };
    expect(fieldError(fields, 'learning_rate', 'hyperparameters.learning_rate')).toBe('Too high.');
    expect(fieldError(fields, 'name')).toBe('Required. Too short.');
    expect(fieldError(fields, 'gpu_type')).toBeUndefined();
  });
});
