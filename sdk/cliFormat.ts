/**
 * What the operator CLI (sdk/cli.ts) prints, kept apart from the commands so it can be tested
 * without a server: tables, durations, the progress line, and hints in the CLI's own terms.
 */

/** The tRPC endpoint for a server address given with or without `/trpc`. */
export function trpcUrl(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/trpc') ? base : `${base}/trpc`;
}

export type Row = Record<string, unknown>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().replace('T', ' ').slice(0, 19);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Aligned columns under a header; no index column, no quotes. */
export function table(rows: Row[]): string {
  if (rows.length === 0) return '(none)';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

export const duration = (ms: number | null): string => {
  if (ms === null) return '';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Server hints name procedures; people run commands. */
export function cliHint(message: string, ids: { collectionId?: string; sourceId?: string } = {}): string {
  const collection = ids.collectionId ?? '<collectionId>';
  const source = ids.sourceId ?? '<sourceId>';
  return message
    .replace(/enable it with collections\.update( first)?/, `enable it with: retrovue collections enable ${collection}`)
    .replace(/update config\.token/, `update it with: retrovue sources update ${source} --plex-token <token>`)
    .replace(/\bcollections\.discover\b/, `retrovue collections discover ${source}`)
    .replace(/\bingest\.status\b/, 'retrovue ingest');
}

export interface ProgressState {
  itemsDone: number;
  itemsTotal?: number | null;
  batchesDone: number;
  elapsedMs: number;
}

/**
 * One frame of the progress line. With a known total the bar fills; without one, a block travels
 * along the bar with each frame so that a running ingest visibly moves. Items per second always.
 */
export function progressLine(p: ProgressState, frame: number, width = 24): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.itemsDone / seconds : 0;
  let bar: string;
  if (p.itemsTotal) {
    const filled = Math.min(width, Math.round((p.itemsDone / p.itemsTotal) * width));
    bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  } else {
    const block = 4;
    const at = frame % (width - block + 1);
    bar = '░'.repeat(at) + '█'.repeat(block) + '░'.repeat(width - block - at);
  }
  const count = p.itemsTotal ? `${p.itemsDone}/${p.itemsTotal}` : `${p.itemsDone}`;
  return `ingest ${bar} ${count} items | ${rate.toFixed(1)} items/s | ${p.batchesDone} batches | ${seconds.toFixed(0)}s`;
}
