import { createHash } from 'node:crypto';
import type { Executor } from '../../platform/db/database.ts';
import {
  deleteOrphanUploads,
  deleteUpload,
  listUploads,
  type StoredUpload,
  saveUpload,
} from './portal.uploads.repository.ts';

export type { StoredUpload } from './portal.uploads.repository.ts';

/** The file types a citizen may upload, by what the file's first bytes say it is. */
export const UPLOAD_TYPES = {
  'image/jpeg': { label: 'JPG', extensions: ['jpg', 'jpeg'] },
  'image/png': { label: 'PNG', extensions: ['png'] },
  'image/heic': { label: 'HEIC', extensions: ['heic', 'heif'] },
  'image/webp': { label: 'WebP', extensions: ['webp'] },
  'application/pdf': { label: 'PDF', extensions: ['pdf'] },
} as const;
export type UploadType = keyof typeof UPLOAD_TYPES;

/** What a question takes when it does not say: photos. */
const DEFAULT_TYPES: readonly UploadType[] = ['image/jpeg', 'image/png', 'image/heic', 'image/webp'];

/**
 * What the content is, from its signature rather than the name or the browser's say-so: JPEG
 * (FF D8 FF), PNG, WebP (RIFF…WEBP), HEIC/HEIF (an ISO-BMFF `ftyp` box with a HEIF brand) and PDF.
 */
export function sniffType(content: Buffer): UploadType | null {
  if (content.length >= 3 && content[0] === 0xff && content[1] === 0xd8 && content[2] === 0xff)
    return 'image/jpeg';
  if (content.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (content.toString('latin1', 0, 4) === 'RIFF' && content.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp';
  if (content.toString('latin1', 4, 8) === 'ftyp') {
    const brand = content.toString('latin1', 8, 12);
    if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'heif'].includes(brand))
      return 'image/heic';
  }
  if (content.toString('latin1', 0, 5) === '%PDF-') return 'application/pdf';
  return null;
}

/** The types a file question takes: its `accept` extensions that we can check, else photos. */
export function acceptedTypes(accept: readonly string[] | undefined): UploadType[] {
  if (!accept?.length) return [...DEFAULT_TYPES];
  const wanted = new Set(accept.map((a) => a.toLowerCase().replace(/^\./, '')));
  return (Object.keys(UPLOAD_TYPES) as UploadType[]).filter((t) =>
    UPLOAD_TYPES[t].extensions.some((e) => wanted.has(e)),
  );
}

/** "JPG, PNG or HEIC", for error messages and hints. */
export function typeList(types: readonly UploadType[], or: string): string {
  const labels = types.map((t) => UPLOAD_TYPES[t].label);
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} ${or} ${labels.at(-1)}` : (labels[0] ?? '');
}

/** The `accept` attribute for a file input: types and extensions, so phones offer the camera roll. */
export function acceptAttribute(types: readonly UploadType[]): string {
  return types.flatMap((t) => [t, ...UPLOAD_TYPES[t].extensions.map((e) => `.${e}`)]).join(',');
}

export type UploadCheck =
  | { ok: true; contentType: UploadType; filename: string }
  | { ok: false; problem: 'empty' | 'too_big' | 'wrong_type' };

/** Checks an uploaded file against the size limit and the question's types. */
export function checkUpload(
  file: { filename: string; content: Buffer; truncated: boolean },
  types: readonly UploadType[],
  maxBytes: number,
): UploadCheck {
  if (file.truncated || file.content.length > maxBytes) return { ok: false, problem: 'too_big' };
  if (file.content.length === 0) return { ok: false, problem: 'empty' };
  const sniffed = sniffType(file.content);
  if (!sniffed || !types.includes(sniffed)) return { ok: false, problem: 'wrong_type' };
  // Keep the name people recognise, without any path a browser sent and within the cases limit.
  const base = file.filename.split(/[\\/]/).pop()?.trim() ?? '';
  const filename = (base || `photo.${UPLOAD_TYPES[sniffed].extensions[0]}`).slice(-200);
  return { ok: true, contentType: sniffed, filename };
}

/**
 * Files a visitor has added to a request they are making, held until they send it. They belong to
 * the journey (whose id only the visitor's session knows) and are purged with the session.
 */
export function createPortalUploads(db: Executor, now: () => Date = () => new Date()) {
  return {
    async save(
      councilId: string,
      journeyId: string,
      upload: Omit<StoredUpload, 'sizeBytes' | 'sha256'>,
    ): Promise<void> {
      await saveUpload(db, councilId, journeyId, {
        ...upload,
        sizeBytes: upload.content.length,
        sha256: createHash('sha256').update(upload.content).digest('hex'),
      });
    },
    /** Names and sizes, for the question and check-answers pages. */
    list: (councilId: string, journeyId: string) =>
      listUploads(db, councilId, journeyId, { withContent: false }),
    /** With their content, to attach to the request when it is sent. */
    withContent: (councilId: string, journeyId: string) =>
      listUploads(db, councilId, journeyId, { withContent: true }),
    remove: (councilId: string, journeyId: string, questionCode: string) =>
      deleteUpload(db, councilId, journeyId, questionCode),
    /** Uploads of journeys no live session holds; an hour's grace covers one being made now. */
    purgeOrphans: () => deleteOrphanUploads(db, now(), new Date(now().getTime() - 3_600_000)),
  };
}

export type PortalUploads = ReturnType<typeof createPortalUploads>;
