export type JsonTokenKind = 'key' | 'string' | 'number' | 'bool' | 'null' | 'punct';

export interface JsonToken {
  kind: JsonTokenKind;
  text: string;
}

const TOKEN_RE = /("(?:\\u[a-fA-F0-9]{4}|\\[^u]|[^\\"])*"(\s*:)?|\b(?:true|false)\b|\bnull\b|-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/g;

/** Splits pretty-printed JSON into tokens for syntax highlighting (no HTML strings, so no XSS). */
export function tokenizeJson(value: unknown): JsonToken[] {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const out: JsonToken[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN_RE)) {
    const idx = m.index ?? 0;
    if (idx > last) out.push({ kind: 'punct', text: text.slice(last, idx) });
    const tok = m[0];
    let kind: JsonTokenKind;
    if (tok.startsWith('"')) kind = m[2] ? 'key' : 'string';
    else if (tok === 'true' || tok === 'false') kind = 'bool';
    else if (tok === 'null') kind = 'null';
    else kind = 'number';
    if (kind === 'key') {
      const colonAt = tok.lastIndexOf(':');
      out.push({ kind, text: tok.slice(0, colonAt) });
      out.push({ kind: 'punct', text: tok.slice(colonAt) });
    } else {
      out.push({ kind, text: tok });
    }
    last = idx + tok.length;
  }
  if (last < text.length) out.push({ kind: 'punct', text: text.slice(last) });
  return out;
}

/** Seqs in `current` that were not in `seen` — the rows to pulse. */
export function newSeqs(seen: Set<number>, current: number[]): Set<number> {
  return new Set(current.filter((s) => !seen.has(s)));
}
