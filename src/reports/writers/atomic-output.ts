/**
 * Files appear whole or not at all. Everything is written under a hidden
 * temporary name in the destination folder (same file system, so the final
 * rename is atomic), flushed to disk, then renamed over the final name. A
 * crash or kill at any point leaves the previous pack under the final name
 * and at most a temporary leftover, which the next run removes.
 *
 * Temporary names carry the writer's process ID: `.payouts-2026-10.xlsx.4242-1a2b3c4d.tmp`.
 * A CSV folder is replaced by two renames (the old folder aside, the new one
 * in place); if a crash falls between them, the next run puts the old folder
 * back.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const LEFTOVER = /^\.(payouts-.+)\.(\d+)-[0-9a-f]{8}\.(tmp|old)$/;

/** A hidden name beside `finalPath` that only this process uses. */
export function temporarySibling(finalPath: string, suffix: 'tmp' | 'old' = 'tmp'): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.${suffix}`);
}

/** Flushes a file's (or folder's) content to disk. Folders cannot be fsynced on every platform: best effort. */
export async function syncToDisk(target: string, kind: 'file' | 'folder' = 'file'): Promise<void> {
  let handle;
  try {
    handle = await open(target, 'r');
    await handle.sync();
  } catch (error) {
    if (kind === 'file') throw error;
  } finally {
    await handle?.close();
  }
}

/** Puts a complete, flushed file in place, replacing any previous one atomically. */
export async function commitFile(tempPath: string, finalPath: string): Promise<void> {
  await syncToDisk(tempPath);
  await rename(tempPath, finalPath);
  await syncToDisk(path.dirname(finalPath), 'folder');
}

/** Puts a complete folder (its files already flushed) in place of the previous one. */
export async function commitFolder(tempDir: string, finalDir: string): Promise<void> {
  await syncToDisk(tempDir, 'folder');
  for (let attempt = 0; ; attempt++) {
    let aside: string | undefined = temporarySibling(finalDir, 'old');
    try {
      await rename(finalDir, aside);
    } catch (error) {
      if (code(error) !== 'ENOENT') throw error;
      aside = undefined;
    }
    try {
      await rename(tempDir, finalDir);
    } catch (error) {
      // Another writer put its pack in place between our two renames: take turns again.
      const raced = code(error) === 'ENOTEMPTY' || code(error) === 'EEXIST';
      if (aside) await rm(aside, { recursive: true, force: true });
      if (raced && attempt < 5) continue;
      throw error;
    }
    await syncToDisk(path.dirname(finalDir), 'folder');
    if (aside) await rm(aside, { recursive: true, force: true });
    return;
  }
}

/** Removes a temporary file or folder (after a failure). */
export async function discard(tempPath: string): Promise<void> {
  await rm(tempPath, { recursive: true, force: true });
}

/**
 * Tidies the folder after writers that died: their temporary files and
 * folders go, and a pack folder set aside just before a crash goes back in
 * place if nothing replaced it. Leftovers of live processes are left alone.
 */
export async function removeLeftovers(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (code(error) === 'ENOENT') return [];
    throw error;
  }
  const present = new Set(names);
  const removed: string[] = [];
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (!m) continue;
    const [, finalName = '', pid = '', suffix] = m;
    if (Number(pid) !== process.pid && isAlive(Number(pid))) continue;
    const full = path.join(dir, name);
    if (suffix === 'old' && !present.has(finalName)) {
      await rename(full, path.join(dir, finalName));
      present.add(finalName);
      continue;
    }
    if (Number(pid) === process.pid) continue;
    await rm(full, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}
