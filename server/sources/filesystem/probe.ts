import fs from 'node:fs/promises';
import mediaInfoFactory, { type MediaInfo } from 'mediainfo.js';

/**
 * A real media probe: MediaInfo compiled to WebAssembly (shipped inside the mediainfo.js package,
 * nothing downloaded). Reads only the chunks it asks for, so large files cost little.
 */
export interface ProbeResult {
  durationMs: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  container: string | null;
  /** MediaInfo saw conformance errors or a truncated file. */
  damaged: boolean;
}

const CONTAINERS: Record<string, string> = {
  Matroska: 'mkv',
  WebM: 'webm',
  'MPEG-4': 'mp4',
  QuickTime: 'mov',
  AVI: 'avi',
  'MPEG-TS': 'ts',
  'MPEG-PS': 'mpeg',
  'Windows Media': 'asf',
  'Flash Video': 'flv',
  Ogg: 'ogg',
};

const VIDEO_CODECS: Record<string, string> = {
  AVC: 'h264',
  HEVC: 'hevc',
  'MPEG-4 Visual': 'mpeg4',
  VP8: 'vp8',
  VP9: 'vp9',
  AV1: 'av1',
  VC1: 'vc1',
  'VC-1': 'vc1',
};

const AUDIO_CODECS: Record<string, string> = {
  AAC: 'aac',
  'AC-3': 'ac3',
  'E-AC-3': 'eac3',
  DTS: 'dts',
  FLAC: 'flac',
  Opus: 'opus',
  Vorbis: 'vorbis',
  PCM: 'pcm',
  'MLP FBA': 'truehd',
};

interface Track {
  '@type': string;
  Format?: string;
  Format_Version?: string | number;
  Format_Profile?: string;
  Duration?: number | string;
  IsTruncated?: string;
  extra?: Record<string, unknown>;
}

function videoCodec(track: Track | undefined): string | null {
  if (!track?.Format) return null;
  if (track.Format === 'MPEG Video') return String(track.Format_Version ?? '').includes('1') ? 'mpeg1video' : 'mpeg2video';
  return VIDEO_CODECS[track.Format] ?? track.Format.toLowerCase().slice(0, 50);
}

function audioCodec(track: Track | undefined): string | null {
  if (!track?.Format) return null;
  if (track.Format === 'MPEG Audio') return /3/.test(track.Format_Profile ?? '') ? 'mp3' : 'mp2';
  return AUDIO_CODECS[track.Format] ?? track.Format.toLowerCase().slice(0, 50);
}

let shared: Promise<MediaInfo<'object'>> | undefined;
/** One MediaInfo instance serves every probe; calls on it are queued (it is not re-entrant). */
let queue: Promise<unknown> = Promise.resolve();

export async function probeFile(file: string): Promise<ProbeResult> {
  shared ??= mediaInfoFactory({ format: 'object' });
  const mediaInfo = await shared;
  const run = queue.then(async () => {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      return await mediaInfo.analyzeData(size, async (chunkSize, offset) => {
        const buffer = Buffer.alloc(chunkSize);
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, offset);
        return buffer.subarray(0, bytesRead);
      });
    } finally {
      await handle.close();
    }
  });
  queue = run.catch(() => undefined);
  const result = await run;
  const tracks = (result.media?.track ?? []) as unknown as Track[];
  const general = tracks.find((t) => t['@type'] === 'General');
  const video = tracks.find((t) => t['@type'] === 'Video');
  const audio = tracks.find((t) => t['@type'] === 'Audio');
  const seconds = Number(general?.Duration ?? video?.Duration);
  const hasMedia = Boolean(video || audio);
  return {
    durationMs: hasMedia && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null,
    videoCodec: videoCodec(video),
    audioCodec: audioCodec(audio),
    container: general?.Format ? (CONTAINERS[general.Format] ?? general.Format.toLowerCase().slice(0, 50)) : null,
    damaged: general?.IsTruncated === 'Yes' || Boolean(general?.extra && 'ConformanceErrors' in general.extra),
  };
}
