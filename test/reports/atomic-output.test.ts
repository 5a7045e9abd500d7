import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitFile, commitFolder, removeLeftovers, temporarySibling } from '../../src/reports/writers/atomic-output.js';
import { tempDir } from '../helpers/temp-dir.js';

const DEAD_PID = 2 ** 22 + 12_345; // above Linux's pid_max: never a live process

describe('atomic report output', () => {
  it('replaces a file and a folder only with complete ones', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'payouts-2026-10.xlsx');
    writeFileSync(file, 'old');
    const temp = temporarySibling(file);
    expect(path.basename(temp)).toMatch(new RegExp(`^\\.payouts-2026-10\\.xlsx\\.${process.pid}-[0-9a-f]{8}\\.tmp$`));
    writeFileSync(temp, 'new');
    await commitFile(temp, file);
    expect(readFileSync(file, 'utf8')).toBe('new');

    const folder = path.join(dir, 'payouts-2026-10');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'payouts.csv'), 'old');
    const tempFolder = temporarySibling(folder);
    mkdirSync(tempFolder);
    writeFileSync(path.join(tempFolder, 'payouts.csv'), 'new');
    await commitFolder(tempFolder, folder);
    expect(readFileSync(path.join(folder, 'payouts.csv'), 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['payouts-2026-10', 'payouts-2026-10.xlsx']);
  });

  it('removes leftovers of dead writers and puts back a folder set aside before a crash', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, `.payouts-2026-10.xlsx.${DEAD_PID}-0a1b2c3d.tmp`), 'partial');
    mkdirSync(path.join(dir, `.payouts-2026-10.${DEAD_PID}-0a1b2c3d.tmp`));
    // The crash fell between "old folder aside" and "new folder in place".
    mkdirSync(path.join(dir, `.payouts-2026-09.${DEAD_PID}-1a1b2c3d.old`));
    writeFileSync(path.join(dir, `.payouts-2026-09.${DEAD_PID}-1a1b2c3d.old`, 'payouts.csv'), 'september');
    writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    const removed = await removeLeftovers(dir);
    expect(removed.sort()).toEqual([`.payouts-2026-10.${DEAD_PID}-0a1b2c3d.tmp`, `.payouts-2026-10.xlsx.${DEAD_PID}-0a1b2c3d.tmp`]);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'payouts-2026-09']);
    expect(readFileSync(path.join(dir, 'payouts-2026-09', 'payouts.csv'), 'utf8')).toBe('september');
  });

  it('leaves the temporary files of a live writer alone', async () => {
    const dir = tempDir();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const name = `.payouts-2026-10.xlsx.${sleeper.pid}-0a1b2c3d.tmp`;
      writeFileSync(path.join(dir, name), 'being written');
      expect(await removeLeftovers(dir)).toEqual([]);
      expect(readdirSync(dir)).toEqual([name]);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('copes with a folder that does not exist yet', async () => {
    expect(await removeLeftovers(path.join(tempDir(), 'missing'))).toEqual([]);
  });
});
