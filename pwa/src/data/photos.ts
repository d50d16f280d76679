/**
 * Taking a photo (window only: it decodes and draws the image). The camera's file is decoded
 * upright (EXIF orientation applied), downscaled to at most 2048 px on its long side and encoded
 * as JPEG at quality 0.85; a JPEG that already fits is kept byte for byte (with its EXIF). The
 * result is hashed and stored (data/photo-store.ts) before `capturePhoto` resolves.
 */
import { displaySize, jpegInfo } from '../shared/jpeg';
import { fitWithin, looksLikeJpeg } from '../shared/wire';
import { StorageError, toStorageError } from './db';
import { storePhoto, type ProcessedImage } from './photo-store';
import type { GeoFix, PhotoRecord } from './types';

export { StorageError } from './db';
export { deletePhoto, getPhoto, getPhotoBlob, listPhotos, sha256Hex } from './photo-store';
export type { PhotoRecord } from './types';

export const MAX_SIDE = 2048;
export const JPEG_QUALITY = 0.85;

export async function capturePhoto(
  file: File,
  opts: { evaluationId: string; item: string | null; fix: GeoFix | null },
): Promise<PhotoRecord> {
  // The capture time is the tap, not the end of the encoding.
  const capturedAt = new Date();
  const image = await processImage(file);
  try {
    return await storePhoto(image, { ...opts, capturedAt });
  } catch (error) {
    throw error instanceof StorageError ? error : toStorageError(error);
  }
}

interface Decoded {
  source: CanvasImageSource;
  width: number;
  height: number;
  close(): void;
}

/** Decode upright: createImageBitmap where it honours EXIF orientation, else an <img>. */
async function decode(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
      return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
    } catch {
      // Older engines reject the option (or the format): the <img> path below applies EXIF
      // orientation itself (image-orientation: from-image is the default since Chrome 81).
    }
  }
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  try {
    await img.decode();
  } catch (error) {
    URL.revokeObjectURL(url);
    throw new Error(`This file is not a picture the phone can read (${String(error)})`);
  }
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) };
}

async function encodeJpeg(source: CanvasImageSource, width: number, height: number): Promise<Blob> {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (ctx !== null) {
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(source, 0, 0, width, height);
      return canvas.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY });
    }
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('No 2D canvas');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('JPEG encoding failed'))), 'image/jpeg', JPEG_QUALITY);
  });
}

/** Enough of the file for the EXIF block (≤ 64 KB) and any ICC or maker segments before the frame. */
const HEADER_BYTES = 512 * 1024;

/**
 * A large JPEG whose header gives its size: decode it straight to the target size (the browser
 * decodes at a reduced scale, applies EXIF orientation, then scales), one pass instead of a full
 * 12-megapixel decode and a redraw. null where the browser lacks the resize options (the caller
 * takes the general path).
 */
async function decodeScaled(file: Blob, width: number, height: number): Promise<ImageBitmap | null> {
  if (typeof createImageBitmap !== 'function') return null;
  try {
    const bitmap = await createImageBitmap(file, {
      imageOrientation: 'from-image',
      resizeWidth: width,
      resizeHeight: height,
      resizeQuality: 'high',
    });
    if (bitmap.width === width && bitmap.height === height) return bitmap;
    bitmap.close();
  } catch {
    // Options not supported (older engines), or a file the header misdescribed.
  }
  return null;
}

export async function processImage(file: File): Promise<ProcessedImage> {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  const fileName = file.name ? file.name : null;
  const info = looksLikeJpeg(head) ? jpegInfo(head) : null;
  if (info !== null) {
    const shown = displaySize(info);
    const target = fitWithin(shown.width, shown.height, MAX_SIDE);
    if (target.scaled) {
      const bitmap = await decodeScaled(file, target.width, target.height);
      if (bitmap !== null) {
        try {
          const blob = await encodeJpeg(bitmap, target.width, target.height);
          return { blob, width: target.width, height: target.height, originalSize: file.size, fileName };
        } finally {
          bitmap.close();
        }
      }
    }
  }
  const decoded = await decode(file);
  try {
    const target = fitWithin(decoded.width, decoded.height, MAX_SIDE);
    if (!target.scaled && looksLikeJpeg(head)) {
      // Already small enough and JPEG: re-encoding would only lose quality and the EXIF data.
      return { blob: new Blob([file], { type: 'image/jpeg' }), width: decoded.width, height: decoded.height, originalSize: file.size, fileName };
    }
    const blob = await encodeJpeg(decoded.source, target.width, target.height);
    return { blob, width: target.width, height: target.height, originalSize: file.size, fileName };
  } finally {
    decoded.close();
  }
}
