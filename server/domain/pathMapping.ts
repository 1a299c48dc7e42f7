/**
 * Maps a path as a source reports it (Plex on Windows: `D:\Media\TV\Show\x.mkv`) to a local path,
 * by the longest matching prefix. `/` and `\` both separate; a prefix matches whole segments only
 * (`/mnt/tv` does not match `/mnt/tvshows`); Windows-style paths compare case-insensitively.
 */
export interface Mapping {
  id: string;
  plexPath: string;
  localPath: string;
}

export interface ResolvedPath {
  localPath: string;
  mappingId: string;
}

const segments = (path: string): string[] => path.split(/[\\/]+/).filter((s) => s.length > 0);
const isWindowsPath = (path: string): boolean => /^[a-zA-Z]:[\\/]|^\\\\/.test(path) || path.includes('\\');

function matchLength(mapping: Mapping, pathSegments: string[], caseInsensitive: boolean): number {
  const prefix = segments(mapping.plexPath);
  if (prefix.length > pathSegments.length) return -1;
  const same = (a: string, b: string) => (caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);
  return prefix.every((segment, i) => same(segment, pathSegments[i]!)) ? prefix.length : -1;
}

export function resolvePath(mappings: readonly Mapping[], sourcePath: string): ResolvedPath | null {
  const pathSegments = segments(sourcePath);
  const caseInsensitive = isWindowsPath(sourcePath);
  let best: { mapping: Mapping; length: number } | null = null;
  for (const mapping of mappings) {
    const length = matchLength(mapping, pathSegments, caseInsensitive || isWindowsPath(mapping.plexPath));
    if (length >= 0 && (!best || length > best.length)) best = { mapping, length };
  }
  if (!best) return null;
  const rest = pathSegments.slice(best.length);
  const base = best.mapping.localPath.replace(/[\\/]+$/, '');
  return { localPath: rest.length ? `${base}/${rest.join('/')}` : base || '/', mappingId: best.mapping.id };
}
