import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

/** Every key path of the schema, e.g. `smart2pay.http.maxRetries` (records are leaves). */
function keyPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = schema._zod.def as unknown as {
    type: string;
    innerType?: z.ZodType;
    in?: z.ZodType;
    shape?: Record<string, z.ZodType>;
  };
  if (def.innerType) return keyPaths(def.innerType, prefix);
  if (def.type === 'pipe' && def.in) return keyPaths(def.in, prefix);
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => {
      const full = prefix ? `${prefix}.${key}` : key;
      const below = keyPaths(child, full);
      return below.length > 0 ? below : [full];
    });
  }
  return [];
}

function hasPath(value: unknown, dotted: string): boolean {
  let current: unknown = value;
  for (const part of dotted.split('.')) {
    if (typeof current !== 'object' || current === null || !(part in current)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  return true;
}

describe('configuration documentation', () => {
  const paths = keyPaths(configSchema);
  const example: unknown = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config.example.json'), 'utf8'));
  const reference = readFileSync(path.join(PROJECT_ROOT, 'docs/configuration.md'), 'utf8');

  it('finds the keys of the schema', () => {
    expect(paths).toContain('smart2pay.settleSeconds');
    expect(paths).toContain('smart2pay.http.maxRetries');
    expect(paths.length).toBeGreaterThan(50);
  });

  it('docs/configuration.md describes every key', () => {
    const missing = paths.filter((p) => !reference.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });

  it('config.example.json shows every key except the few with no sensible example value', () => {
    const optionalOnly = new Set(['internalRecords.sheet', 'daemon.replicaId']);
    const missing = paths.filter((p) => !optionalOnly.has(p) && !hasPath(example, p));
    expect(missing).toEqual([]);
  });
});
