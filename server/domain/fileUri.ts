import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * One form for a local file's `assets.uri`, whatever the source: a `file:` URL as Node's
 * `pathToFileURL` writes it (`file:///mnt/tv/Show%20Name/S01E01.mkv`: percent-encoded, NFC,
 * `.`/`..` and doubled slashes resolved). A Plex path after path mapping, a folder scanner's file
 * and an `ingest.items` caller's `/mnt/tv/x.mkv` or `file://localhost/mnt/tv/x.mkv` all become
 * that one string, so one file is one asset. A Windows path no mapping covered
 * (`D:\Media\x.mkv`, `\\nas\tv\x.mkv`) becomes its Windows file URL (`file:///D:/Media/x.mkv`,
 * `file://nas/tv/x.mkv`); any other URI (`http:`, `smb:`) is kept as given.
 */
export function canonicalFileUri(uri: string): string {
  const value = uri.trim();
  if (/^file:/i.test(value)) {
    try {
      // Reading the URL and writing it back normalises host, encoding and case of the scheme.
      const url = new URL(value);
      if (url.host && url.host !== 'localhost')
        return pathToFileURL(`\\\\${url.host}${decodeURIComponent(url.pathname)}`, { windows: true }).href;
      const local = fileURLToPath(url.href.replace(/^file:\/\/localhost\//i, 'file:///'));
      return pathToFileURL(path.posix.normalize(local.normalize('NFC'))).href;
    } catch {
      return value;
    }
  }
  if (value.startsWith('/')) return pathToFileURL(path.posix.normalize(value.normalize('NFC'))).href;
  if (/^[a-zA-Z]:[\\/]/.test(value) || /^\\\\[^\\]/.test(value))
    return pathToFileURL(value.normalize('NFC'), { windows: true }).href;
  return value;
}

/** The local path a canonical `file:` uri names (null for other URIs and Windows paths). */
export function localPathOf(uri: string): string | null {
  if (!uri.startsWith('file:///') || /^file:\/\/\/[a-zA-Z]:/.test(uri)) return null;
  return fileURLToPath(uri);
}
