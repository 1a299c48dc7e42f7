import { z } from 'zod';

/**
 * The parts of the Jellyfin and Emby REST responses this adapter reads, validated at the boundary.
 * Shapes follow Jellyfin's OpenAPI document (BaseItemDto, MediaSourceInfo, MediaStream, ChapterInfo,
 * VirtualFolderInfo, MediaSegmentDto) and Emby's equivalents, which are the same names with a few
 * additions (chapter `MarkerType`) and omissions (no `DateLastSaved`, no media segments).
 * Objects are loose (new server fields pass through into `provider_refs.raw`); every field we do not
 * strictly need is optional and nullable, as both servers omit or null them freely.
 */

const opt = <T extends z.ZodType>(schema: T) => schema.nullish();
const Ticks = z.number().int().min(0);

export const MediaStream = z.looseObject({
  Type: opt(z.string()),
  Codec: opt(z.string()),
  Index: opt(z.number().int()),
  IsDefault: opt(z.boolean()),
  Width: opt(z.number().int()),
  Height: opt(z.number().int()),
  BitRate: opt(z.number()),
});
export type MediaStream = z.infer<typeof MediaStream>;

/** Emby marks intro and credits in chapters; Jellyfin's chapters are plain chapters. */
export const Chapter = z.looseObject({
  StartPositionTicks: Ticks,
  Name: opt(z.string()),
  MarkerType: opt(z.string()),
});
export type Chapter = z.infer<typeof Chapter>;

export const MediaSource = z.looseObject({
  Id: opt(z.string()),
  Path: opt(z.string()),
  Protocol: opt(z.string()),
  Container: opt(z.string()),
  Size: opt(z.number().int().min(0)),
  RunTimeTicks: opt(Ticks),
  Bitrate: opt(z.number()),
  Name: opt(z.string()),
  MediaStreams: opt(z.array(MediaStream)),
  Chapters: opt(z.array(Chapter)),
});
export type MediaSource = z.infer<typeof MediaSource>;

export const Item = z.looseObject({
  Id: z.string().min(1).max(200),
  Name: opt(z.string()),
  Type: z.string(),
  Etag: opt(z.string()),
  DateLastSaved: opt(z.string()),
  Path: opt(z.string()),
  ProductionYear: opt(z.number().int()),
  RunTimeTicks: opt(Ticks),
  IndexNumber: opt(z.number().int().min(0)),
  IndexNumberEnd: opt(z.number().int().min(0)),
  ParentIndexNumber: opt(z.number().int().min(0)),
  SeriesId: opt(z.string()),
  SeriesName: opt(z.string()),
  LocationType: opt(z.string()),
  ProviderIds: opt(z.record(z.string(), z.string().nullable())),
  MediaSources: opt(z.array(MediaSource)),
  Chapters: opt(z.array(Chapter)),
});
export type Item = z.infer<typeof Item>;

/** `/Items` answers with a page: its items are checked one by one, so one bad item never sinks the page. */
export const ItemPage = z.looseObject({
  Items: z.array(z.unknown()),
  TotalRecordCount: opt(z.number().int().min(0)),
  StartIndex: opt(z.number().int().min(0)),
});

export const VirtualFolder = z.looseObject({
  Name: opt(z.string()),
  ItemId: opt(z.string()),
  Id: opt(z.string()),
  CollectionType: opt(z.string()),
  Locations: opt(z.array(z.string())),
  LibraryOptions: opt(z.looseObject({ PathInfos: opt(z.array(z.looseObject({ Path: opt(z.string()) }))) })),
});
export type VirtualFolder = z.infer<typeof VirtualFolder>;
export const VirtualFolders = z.array(VirtualFolder);

/** Jellyfin 10.10+: `/MediaSegments/{itemId}` (intro, outro, recap, preview, commercial). */
export const MediaSegment = z.looseObject({
  Type: z.string(),
  StartTicks: Ticks,
  EndTicks: Ticks,
});
export type MediaSegment = z.infer<typeof MediaSegment>;
export const MediaSegmentPage = z.looseObject({ Items: z.array(MediaSegment) });
