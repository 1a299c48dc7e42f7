import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { CollectionInfo, ListenInput, LiveListener } from '../port.js';
import type { FilesystemSourceConfig } from './config.js';
import { VIDEO_EXTENSIONS } from './naming/vocabulary.js';

/**
 * Watches folder collections with chokidar (inotify/FSEvents, no polling). A new or rewritten file
 * is reported only once its size has stayed the same for `settleMs` (chokidar's `awaitWriteFinish`):
 * a file still being copied is not scanned half-written. Videos and NFOs are reported by their path
 * relative to the collection's folder; a removed folder by its own path. Hidden files are ignored.
 * A rename arrives as the old path deleted and the new one added.
 */
export function watchFolders(
  input: ListenInput<FilesystemSourceConfig>,
  rootOf: (collection: CollectionInfo) => string,
): LiveListener {
  const watchers: FSWatcher[] = input.collections.map((collection) => {
    const root = rootOf(collection);
    const relevant = (file: string) => {
      const ext = path.extname(file).toLowerCase();
      return VIDEO_EXTENSIONS.has(ext) || ext === '.nfo';
    };
    const report = (file: string, deleted: boolean) => {
      const key = path.relative(root, file).split(path.sep).join('/');
      if (key && !key.startsWith('..')) input.onChange({ collectionId: collection.id, key, deleted });
    };
    input.onState('connecting', {});
    const watcher = watch(root, {
      ignoreInitial: true,
      ignored: (file) => path.basename(file).startsWith('.') && file !== root,
      awaitWriteFinish: {
        stabilityThreshold: input.options.settleMs,
        pollInterval: Math.max(20, Math.min(100, input.options.settleMs / 4)),
      },
    });
    watcher.on('add', (file) => relevant(file) && report(file, false));
    watcher.on('change', (file) => relevant(file) && report(file, false));
    watcher.on('unlink', (file) => relevant(file) && report(file, true));
    watcher.on('unlinkDir', (dir) => report(dir, true));
    watcher.on('ready', () => input.onState('open', {}));
    watcher.on('error', (err) => input.onState('closed', { error: err instanceof Error ? err.message : String(err) }));
    return watcher;
  });
  return {
    async close() {
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}
