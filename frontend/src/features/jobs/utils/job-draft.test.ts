import { describe, expect, it } from 'vitest';
import type { HyperparameterBounds } from '../../../lib/api-types';
import { draftKey, draftStore, isDraftWorthKeeping, parseDraft, serializeDraft } from './job-draft';
import { EMPTY_FORM, estimateBlocker } from './job-form';

const bound = (name: string, type: 'int' | 'float', minimum: number, maximum: number): HyperparameterBounds => ({ name, type, minimum, maximum, exclusive_minimum: false, choices: [], default: null });
const BOUNDS = [bound('lora_r', 'int', 1, 1024), bound('lora_alpha', 'int', 1, 4096), bound('lora_dropout', 'float', 0, 0.9)];
const picked = { ...EMPTY_FORM, datasetId: 'd1', baseModel: 'tiny-random-llama', gpuType: 'cpu' };

describe('create-form draft', () => {
  it('is worth keeping only once the user typed or chose something', () => {
    expect(isDraftWorthKeeping(EMPTY_FORM)).toBe(false);
    // The form fills in the base model and GPU by itself: that alone is no draft.
    expect(isDraftWorthKeeping({ ...EMPTY_FORM, baseModel: 'tiny-random-llama', gpuType: 'cpu' })).toBe(false);
    expect(isDraftWorthKeeping({ ...EMPTY_FORM, name: 'Elena' })).toBe(true);
    expect(isDraftWorthKeeping({ ...EMPTY_FORM, preset: 'custom', hyperparameters: { lora_r: ' ' } })).toBe(true);
    expect(isDraftWorthKeeping({ ...EMPTY_FORM, hyperparameters: { lora_r: '64' } })).toBe(true);
    expect(isDraftWorthKeeping({ ...EMPTY_FORM, pricing: 'on_demand' })).toBe(true);
  });

  it('round-trips through storage and rejects what it did not write', () => {
    const form = { ...picked, name: 'Elena', preset: 'custom' as const, hyperparameters: { lora_r: '64' }, notes: 'Q3' };
    const raw = serializeDraft(form, new Date('2026-11-30T10:00:00Z'));
    expect(parseDraft(raw)).toEqual({ savedAt: '2026-11-30T10:00:00.000Z', form });
    expect(parseDraft(null)).toBeNull();
    expect(parseDraft('not json')).toBeNull();
    expect(parseDraft('{"savedAt":"yesterday","form":{"name":"x"}}')).toBeNull();
    expect(parseDraft(JSON.stringify({ savedAt: '2026-11-30T10:00:00Z', form: { name: 7, hyperparameters: { lora_r: 64 }, pricing: 'free' } }))).toBeNull();
    expect(parseDraft(JSON.stringify({ savedAt: '2026-11-30T10:00:00Z', form: { name: 'x', pricing: 'free', hyperparameters: { lora_r: 64, epochs: '2' } } }))?.form).toEqual({
      ...EMPTY_FORM,
      name: 'x',
      hyperparameters: { epochs: '2' },
    });
  });

  it('saves per user, removes an empty form, and clears', () => {
    window.localStorage.clear();
    draftStore.save(draftKey(1), { ...EMPTY_FORM, name: 'Elena' });
    expect(draftStore.load(draftKey(1))?.form.name).toBe('Elena');
    expect(draftStore.load(draftKey(2))).toBeNull();
    draftStore.save(draftKey(1), EMPTY_FORM);
    expect(window.localStorage.getItem(draftKey(1))).toBeNull();
    draftStore.save(draftKey(1), { ...EMPTY_FORM, name: 'Elena' });
    draftStore.clear(draftKey(1));
    expect(draftStore.load(draftKey(1))).toBeNull();
  });
});

describe('estimate panel message', () => {
  it('names exactly what is missing', () => {
    expect(estimateBlocker(EMPTY_FORM)).toBe('Pick a dataset, a base model and a GPU type to see how long the job takes and what it costs.');
    expect(estimateBlocker({ ...picked, datasetId: '' })).toBe('Pick a dataset to see how long the job takes and what it costs.');
    expect(estimateBlocker({ ...picked, datasetId: '', gpuType: '' })).toBe('Pick a dataset and a GPU type to see how long the job takes and what it costs.');
    expect(estimateBlocker({ ...picked, preset: '' })).toBe('Pick a preset to see how long the job takes and what it costs.');
    expect(estimateBlocker(picked)).toBeNull();
  });

  it('points at out-of-bounds hyperparameters instead of asking for what is already picked', () => {
    const form = { ...picked, preset: 'custom' as const, hyperparameters: { lora_r: '100000', lora_alpha: '1e9', lora_dropout: '1.5' } };
    expect(estimateBlocker(form, BOUNDS)).toBe('Fix LoRA rank (r), LoRA alpha, LoRA dropout (out of bounds) to see the estimate.');
    expect(estimateBlocker({ ...form, hyperparameters: { lora_r: '64' } }, BOUNDS)).toBeNull();
  });
});
