/**
 * What every command gets: global options, lazy access to the configuration
 * and the ledger (opened and migrated on first use, always closed after the
 * command), output streams and the clock.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load-config.js';
import { type Ledger, openLedger } from '../ledger/ledger.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { createLogger, type Logger, logLevelFromEnv } from '../shared/logger.js';
import { applyFileMode } from '../shared/file-mode.js';

export interface GlobalOptions {
  config?: string;
  json: boolean;
  verbose: boolean;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal: tables and progress lines are for people. */
  isTty: boolean;
  /** True when stderr is a terminal: progress lines are drawn there. */
  stderrIsTty?: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class CommandContext {
  readonly options: GlobalOptions;
  readonly io: CliIo;
  readonly clock: Clock;
  readonly log: Logger;
  #config: Config | undefined;
  #configPath: string | undefined;
  #ledger: Promise<Ledger> | undefined;

  constructor(options: GlobalOptions, io: CliIo, clock: Clock = systemClock) {
    this.options = options;
    this.io = io;
    this.clock = clock;
    this.log = createLogger({
      level: options.verbose ? 'debug' : logLevelFromEnv(io.env),
      write: (line) => io.stderr(`${line}\n`),
    });
  }

  get config(): Config {
    if (!this.#config) {
      const loaded = loadConfig({ path: this.options.config, env: this.io.env, cwd: this.io.cwd });
      this.#config = loaded.config;
      this.#configPath = loaded.path;
      // Before any file is created: the ledger and reports are private unless files.mode says otherwise.
      applyFileMode(loaded.config.files.mode);
    }
    return this.#config;
  }

  /** Absolute path of the configuration file, once loaded. */
  get configPath(): string | undefined {
    return this.#configPath;
  }

  /** The ledger of the configuration, opened and migrated once per command. */
  ledger(): Promise<Ledger> {
    if (!this.#ledger) {
      const { database } = this.config;
      this.#ledger = openLedger({
        url: database.url,
        busyTimeoutMs: database.busyTimeoutMs,
        poolSize: database.poolSize,
        baseDir: this.io.cwd,
      });
    }
    return this.#ledger;
  }

  /** The ledger if this command opened it, else undefined (nothing is opened). */
  openedLedger(): Promise<Ledger> | undefined {
    return this.#ledger;
  }

  /** A path from the configuration or the command line, resolved from the working directory. */
  resolvePath(p: string): string {
    return path.resolve(this.io.cwd, p);
  }

  async close(): Promise<void> {
    const pending = this.#ledger;
    this.#ledger = undefined;
    if (pending) {
      const ledger = await pending.catch(() => undefined);
      await ledger?.close();
    }
  }
}
