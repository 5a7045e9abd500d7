/**
 * Byte → text decoding for imported files. Real exports arrive as UTF-8 with
 * or without a BOM, UTF-16LE (Excel's "Unicode text") and Windows-1252
 * (older Excel "CSV" on Windows). `auto` recognises the first three; 1252
 * cannot be told apart from UTF-8 reliably, so it must be configured, and
 * invalid UTF-8 fails with a message saying so instead of importing mojibake.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { InputError } from '../../shared/errors.js';

export type TextEncoding = 'auto' | 'utf-8' | 'utf-16le' | 'windows-1252';
type ConcreteEncoding = Exclude<TextEncoding, 'auto'>;

interface Detected {
  encoding: ConcreteEncoding;
  /** Bytes to skip: the byte order mark. */
  skip: number;
}

async function sniff(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function detectEncoding(head: Buffer, configured: TextEncoding): Detected {
  const utf8Bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const utf16LeBom = head[0] === 0xff && head[1] === 0xfe;
  const utf16BeBom = head[0] === 0xfe && head[1] === 0xff;
  if (configured === 'utf-8') return { encoding: 'utf-8', skip: utf8Bom ? 3 : 0 };
  if (configured === 'utf-16le') return { encoding: 'utf-16le', skip: utf16LeBom ? 2 : 0 };
  if (configured === 'windows-1252') return { encoding: 'windows-1252', skip: 0 };
  if (utf8Bom) return { encoding: 'utf-8', skip: 3 };
  if (utf16LeBom) return { encoding: 'utf-16le', skip: 2 };
  if (utf16BeBom) throw new Error('is UTF-16 big-endian, which is not supported; save it as UTF-8 or UTF-16LE');
  // ASCII text in UTF-16LE without a BOM: every second byte is zero.
  if (head.length >= 4 && head[1] === 0 && head[3] === 0 && head[0] !== 0 && head[2] !== 0) {
    return { encoding: 'utf-16le', skip: 0 };
  }
  return { encoding: 'utf-8', skip: 0 };
}

/** Streams a text file as decoded strings, whatever its encoding. */
export async function* readTextChunks(file: string, encoding: TextEncoding): AsyncGenerator<string> {
  let detected: Detected;
  try {
    detected = detectEncoding(await sniff(file), encoding);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new InputError(file, [{ message: `cannot be read (${code})` }]);
    throw new InputError(file, [{ message: (error as Error).message }]);
  }
  const decoder = new TextDecoder(detected.encoding, { fatal: detected.encoding !== 'windows-1252' });
  let offset = detected.skip;
  for await (const chunk of createReadStream(file, { start: detected.skip, highWaterMark: 256 * 1024 })) {
    const bytes = chunk as Buffer;
    try {
      const text = decoder.decode(bytes, { stream: true });
      if (text !== '') yield text;
    } catch {
      throw new InputError(file, [
        {
          message:
            `is not valid ${detected.encoding === 'utf-8' ? 'UTF-8' : detected.encoding.toUpperCase()} ` +
            `(near byte ${offset}); if it was saved by Excel on Windows, set internalRecords.encoding to "windows-1252"`,
        },
      ]);
    }
    offset += bytes.length;
  }
  const rest = decoder.decode();
  if (rest !== '') yield rest;
}
