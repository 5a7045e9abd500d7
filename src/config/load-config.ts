/**
 * Finds, reads, interpolates and validates the configuration file.
 *
 * Order: `--config <path>`, then `PAYOUT_RECON_CONFIG`, then `./config.json`.
 * `${VAR}` in any string is replaced by the environment variable (`${VAR:-x}`
 * falls back to `x`); a missing variable is an error that names it, and no
 * message ever contains a configured value (they may be secrets).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../shared/errors.js';
import { formatConfigIssues } from './format-issues.js';
import { type Config, configSchema } from './schema.js';

export interface ConfigSource {
  /** `--config` from the command line. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read. */
  path: string;
}

export function resolveConfigPath(source: ConfigSource = {}): string {
  const env = source.env ?? process.env;
  const cwd = source.cwd ?? process.cwd();
  const chosen = source.path || env.PAYOUT_RECON_CONFIG || 'config.json';
  return path.resolve(cwd, chosen);
}

export function loadConfig(source: ConfigSource = {}): LoadedConfig {
  const file = resolveConfigPath(source);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(
        `no configuration file at ${file} (pass --config <path>, set PAYOUT_RECON_CONFIG, or copy config.example.json to config.json)`,
      );
    }
    throw new ConfigError(`cannot read ${file} (${code ?? 'unknown error'})`);
  }
  return { config: parseConfigText(text, file, source.env ?? process.env), path: file };
}

/** Parses configuration JSON text; `where` names the source in messages. */
export function parseConfigText(text: string, where: string, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`${where} is not valid JSON (${(error as Error).message})`);
  }
  return parseConfigValue(raw, env);
}

export function parseConfigValue(raw: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('the configuration must be a JSON object');
  }
  const interpolated = interpolateEnv(raw, env, []);
  const result = configSchema.safeParse(interpolated, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(formatConfigIssues(result.error.issues));
  }
  return deepFreeze(result.data);
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, keyPath: (string | number)[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_whole, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(`${keyPath.join('.')} refers to the environment variable ${name}, which is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, [...keyPath, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...keyPath, key])]),
    );
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
