/**
 * A background worker the daemon starts with its HTTP server and stops
 * before it closes (e.g. the notification inbox's processor). Unlike a job
 * it has no schedule, no lease and no `job_runs` rows: it reacts within
 * moments and is cheap when idle.
 */
export interface DaemonWorker {
  readonly name: string;
  start(): void;
  /** Stops taking new work, aborts what is in flight between transactions, resolves once idle. */
  stop(): Promise<void>;
}
