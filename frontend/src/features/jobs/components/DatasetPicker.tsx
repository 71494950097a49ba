import { useRef, useState } from 'react';
import { Spinner } from '../../../components/Spinner';
import { ApiError, errorMessage } from '../../../lib/api-client';
import type { Dataset } from '../../../lib/api-types';
import { formatBytes, formatNumber } from '../../../lib/format';
import { useDatasets } from '../api/get-datasets';
import { useUploadDataset } from '../api/upload-dataset';

interface Props {
  value: string;
  onChange: (id: string) => void;
  error?: string;
  label?: string;
  optional?: boolean;
  testId?: string;
}

export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

function datasetLabel(d: Dataset): string {
  const fmt = d.format === 'chat' ? 'chat' : d.format === 'prompt_completion' ? 'prompt/completion' : 'unknown format';
  return `${d.name} · ${formatNumber(d.num_examples)} examples · ${fmt}${d.is_valid ? '' : ' · invalid'}`;
}

export function DatasetPicker({ value, onChange, error, label = 'Training dataset', optional, testId }: Props) {
  const datasets = useDatasets();
  const upload = useUploadDataset();
  const [mode, setMode] = useState<'existing' | 'upload'>('existing');
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [over, setOver] = useState(false);
  const [result, setResult] = useState<Dataset | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const list = (datasets.data?.results ?? []).filter((d) => d.is_valid || String(d.id) === value);
  const uploadFields = upload.error instanceof ApiError ? upload.error.fields : {};
  const uploadLineErrors = Object.entries(uploadFields).flatMap(([k, msgs]) => msgs.map((m) => ({ key: k, m })));

  const pick = (f: File | null) => {
    setFile(f);
    setResult(null);
    upload.reset();
    if (f && !name) setName(f.name.replace(/\.jsonl?$/i, ''));
  };

  const doUpload = () => {
    if (!file) return;
    upload.mutate(
      { file, name: name.trim() || file.name },
      {
        onSuccess: (d) => {
          setResult(d);
          if (d.is_valid) {
            onChange(String(d.id));
          }
        },
      },
    );
  };

  const tooBig = !!file && file.size > MAX_UPLOAD_BYTES;

  return (
    <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }} data-testid={testId}>
      <legend className="field__label" style={{ marginBottom: 6 }}>
        {label}
        {optional ? ' (optional)' : ''}
      </legend>
      <div className="segmented" role="group" aria-label={`${label} source`} style={{ marginBottom: 8 }}>
        <button type="button" aria-pressed={mode === 'existing'} onClick={() => setMode('existing')}>
          Choose existing
        </button>
        <button type="button" aria-pressed={mode === 'upload'} onClick={() => setMode('upload')}>
          Upload JSONL
        </button>
      </div>
      {mode === 'existing' ? (
        <>
          <select
            className="select"
            value={value}
            onChange={(e) => onChange(e.target.value)}
            aria-label={label}
            aria-invalid={!!error}
            disabled={datasets.isPending}
          >
            <option value="">{datasets.isPending ? 'Loading datasets…' : optional ? 'None (use a split of the training data)' : 'Select a dataset…'}</option>
            {list.map((d) => (
              <option key={d.id} value={String(d.id)}>
                {datasetLabel(d)}
              </option>
            ))}
          </select>
          {datasets.isError ? <span className="field__error">Could not load datasets: {errorMessage(datasets.error)}</span> : null}
          {!datasets.isPending && !datasets.isError && list.length === 0 ? <span className="field__hint">No datasets yet — upload a JSONL file.</span> : null}
        </>
      ) : (
        <div className="stack-sm">
          <div
            className={`dropzone${over ? ' dropzone--over' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={(e) => {
              e.preventDefault();
              setOver(false);
              pick(e.dataTransfer.files?.[0] ?? null);
            }}
          >
            <p>
              Drop a <strong>.jsonl</strong> file here, or{' '}
              <button type="button" className="btn btn--link" onClick={() => inputRef.current?.click()}>
                browse
              </button>
            </p>
            <p className="small">
              One JSON object per line: <code>{'{"messages": [{"role": "user", "content": "…"}, …]}'}</code> or <code>{'{"prompt": "…", "completion": "…"}'}</code>
            </p>
            <input
              ref={inputRef}
              type="file"
              accept=".jsonl,.json,application/jsonl,application/x-ndjson,application/json"
              className="visually-hidden"
              aria-label="Dataset file"
              data-testid="dataset-file-input"
              onChange={(e) => pick(e.target.files?.[0] ?? null)}
            />
            {file ? (
              <p className="small" style={{ marginTop: 8, color: 'var(--text)' }}>
                Selected: <strong>{file.name}</strong> ({formatBytes(file.size)})
              </p>
            ) : null}
          </div>
          {tooBig ? <span className="field__error">The file is larger than {formatBytes(MAX_UPLOAD_BYTES)}.</span> : null}
          <div className="row" style={{ alignItems: 'flex-end' }}>
            <label className="field field--grow">
              <span className="field__label">Dataset name</span>
              <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. support-chats-v2" />
            </label>
            <button type="button" className="btn btn--secondary" onClick={doUpload} disabled={!file || upload.isPending || tooBig} data-testid="upload-dataset">
              {upload.isPending ? (
                <>
                  <Spinner label="Uploading" size={14} /> Uploading…
                </>
              ) : (
                'Upload & validate'
              )}
            </button>
          </div>
          {upload.isError ? (
            <div className="alert alert--error" role="alert" data-testid="dataset-errors">
              <div className="alert__body">
                <div className="alert__title">
                  {upload.error instanceof ApiError && upload.error.status === 413 ? 'File too large' : 'Upload rejected'}: {errorMessage(upload.error)}
                </div>
                {uploadLineErrors.length ? (
                  <ul className="line-errors" style={{ marginTop: 8, background: '#fff' }}>
                    {uploadLineErrors.slice(0, 100).map((e, i) => (
                      <li key={i}>
                        <span className="line-errors__line">{e.key === 'file' || e.key === 'non_field_errors' ? '—' : e.key}</span>
                        <span>{e.m}</span>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            </div>
          ) : null}
          {result && !result.is_valid ? (
            <div className="alert alert--error" role="alert" data-testid="dataset-errors">
              <div className="alert__body">
                <div className="alert__title">
                  {result.name} has {formatNumber(result.errors.length)} problem{result.errors.length === 1 ? '' : 's'} — fix them and upload again
                </div>
                <ul className="line-errors" style={{ marginTop: 8, background: '#fff' }}>
                  {result.errors.slice(0, 200).map((e, i) => (
                    <li key={i}>
                      <span className="line-errors__line">{e.line !== null ? `Line ${e.line}` : '—'}</span>
                      <span>{e.message}</span>
                    </li>
                  ))}
                </ul>
                {result.errors.length > 200 ? <p className="small">…and {formatNumber(result.errors.length - 200)} more.</p> : null}
              </div>
            </div>
          ) : null}
          {result && result.is_valid ? (
            <div className="alert alert--success" role="status" data-testid="dataset-ok">
              ✓ {result.name}: {formatNumber(result.num_examples)} examples ({result.format === 'chat' ? 'chat' : 'prompt/completion'}) — selected.
            </div>
          ) : null}
        </div>
      )}
      {error ? <span className="field__error">{error}</span> : null}
    </fieldset>
  );
}
