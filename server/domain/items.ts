import { z } from 'zod';
import {
  AssetFields,
  fieldErrors,
  JsonRecord,
  MarkerInput,
  MetadataFields,
  NonNegativeInt,
  Provider,
  ProviderKey as ProviderKeyString,
  TitleFields,
  type FieldError,
} from './fields.js';

/**
 * The normalized item every adapter (Plex, filesystem, a tool calling `ingest.items`) produces:
 * one episode (or movie) with its title, season, file versions, provider keys and markers.
 */

export const ProviderKeyInput = z.strictObject({
  provider: Provider,
  key: ProviderKeyString,
  raw: z.json().optional(),
});

export const IngestAsset = z
  .strictObject({
    ...AssetFields,
    /** The preferred version of its episode (becomes canonical when the episode has none). */
    canonical: z.boolean().optional(),
    providerRefs: z.array(ProviderKeyInput).max(10).optional(),
    /** When present, the asset's markers become exactly these. */
    markers: z.array(MarkerInput).max(500).optional(),
  })
  .superRefine((asset, ctx) => {
    const duration = asset.durationMs;
    if (duration == null) return;
    asset.markers?.forEach((m, i) => {
      if (m.endMs > duration)
        ctx.addIssue({ code: 'custom', path: ['markers', i, 'endMs'], message: `past the asset's duration (${duration} ms)` });
    });
  });

export const IngestItem = z
  .strictObject({
    /** Absent when the adapter could not tell what this is (e.g. an unparsable file name): the item goes to review. */
    title: z
      .strictObject({
        ...TitleFields,
        providerRefs: z.array(ProviderKeyInput).max(10).optional(),
        /** Genres, content rating, summary, release date, studio/network (absent: keep what is stored). */
        ...MetadataFields,
      })
      .optional(),
    season: z.strictObject({ number: NonNegativeInt }).optional(),
    episode: z
      .strictObject({
        number: NonNegativeInt.nullable().optional(),
        name: z.string().trim().max(255).nullable().optional(),
        externalIds: JsonRecord.nullable().optional(),
        providerRefs: z.array(ProviderKeyInput).max(10).optional(),
        /** The episode's own metadata (air date, rating...); absent fields keep what is stored. */
        ...MetadataFields,
      })
      .optional(),
    assets: z.array(IngestAsset).min(1).max(20),
    /** The adapter's own doubt about this item; folded into the confidence formula. */
    review: z.strictObject({ reason: z.string().trim().min(1).max(1000), confidence: z.number().min(0).max(1) }).optional(),
  })
  .superRefine((item, ctx) => {
    if (item.title?.kind === 'movie' && item.season)
      ctx.addIssue({ code: 'custom', path: ['season'], message: 'a movie has no season' });
    if (item.season && item.episode?.number == null)
      ctx.addIssue({ code: 'custom', path: ['episode', 'number'], message: 'an episode in a season needs a number' });
    if (!item.title && (item.season || item.episode))
      ctx.addIssue({ code: 'custom', path: ['title'], message: 'season and episode need a title' });
  });

export type IngestItem = z.infer<typeof IngestItem>;
export type IngestAssetItem = z.infer<typeof IngestAsset>;
export type ProviderKey = z.infer<typeof ProviderKeyInput>;

/** The most items one `ingest.items` call takes. */
export const MAX_ITEMS_PER_CALL = 1000;

/** An item refused by the `IngestItem` schema: where it was, what the source calls it, and why. */
export interface RejectedItem {
  index: number;
  /** The source's own key for the item (its first provider key), when it has one. */
  sourceKey: string | null;
  errors: FieldError[];
}

/** The first provider key an item (valid or not) carries: episode, then title, then its first asset. */
function sourceKeyOf(raw: unknown): string | null {
  const item = raw as { episode?: Keyed; title?: Keyed; assets?: Keyed[] } | null;
  type Keyed = { providerRefs?: Array<{ key?: unknown }> } | undefined;
  for (const part of [item?.episode, item?.title, Array.isArray(item?.assets) ? item.assets[0] : undefined]) {
    const key = Array.isArray(part?.providerRefs) ? part.providerRefs[0]?.key : undefined;
    if (typeof key === 'string') return key;
  }
  return null;
}

/**
 * Every item through the one `IngestItem` schema, whoever produced it (a caller of `ingest.items`
 * or an adapter): the valid ones come back parsed, the others as rejections naming their source key.
 */
export function validateItems(raw: readonly unknown[], firstIndex = 0): { valid: IngestItem[]; rejected: RejectedItem[] } {
  const valid: IngestItem[] = [];
  const rejected: RejectedItem[] = [];
  raw.forEach((candidate, i) => {
    const parsed = IngestItem.safeParse(candidate);
    if (parsed.success) valid.push(parsed.data);
    else rejected.push({ index: firstIndex + i, sourceKey: sourceKeyOf(candidate), errors: fieldErrors(parsed.error.issues) });
  });
  return { valid, rejected };
}
