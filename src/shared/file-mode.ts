/**
 * Files the engine creates are private unless `files.mode` says otherwise:
 * the process's umask is set once the configuration is read, so every file
 * (the SQLite ledger, its WAL and shared-memory files, report files, their
 * temporary siblings) and folder it creates gets the mode, whichever code
 * creates it. SQLite gives the WAL the ledger's own mode.
 */
import { isMainThread } from 'node:worker_threads';

/** The folder mode for a file mode: the search bit wherever a read bit is set (0600 → 0700). */
export function folderModeFor(fileMode: number): number {
  return fileMode | ((fileMode & 0o444) >> 2);
}

/** Sets the umask for `mode` (octal text, e.g. "0600"). Worker threads share the process's umask and may not set it. */
export function applyFileMode(mode: string): void {
  if (!isMainThread) return;
  process.umask(0o777 & ~folderModeFor(Number.parseInt(mode, 8)));
}
