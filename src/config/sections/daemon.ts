import { z } from 'zod';
import { nonEmptyString, nonNegativeInt, positiveInt } from '../fields.js';

export const daemonSection = z
  .strictObject({
    /** How long SIGINT/SIGTERM waits for a running job to finish. */
    shutdownGraceSeconds: positiveInt().default(30),
    /**
     * Failed ticks in a row (each after its retries) at which a job alerts and
     * `/healthz` says `down`: one number for every job, or per job name
     * (`{"sync": 4}`). A job not given gets a default by how often it runs:
     * the number of its ticks in an hour, 1 to 6 (1 for hourly and slower).
     */
    failureThreshold: z.union([positiveInt(), z.record(z.string(), positiveInt())]).optional(),
    /** Retries of a failed run within its tick (cockatiel, exponential backoff), then the tick is left to the next one. */
    retry: z
      .strictObject({
        /** Runs per tick in all (1: no retry). */
        attempts: positiveInt().default(3),
        /** Pause before the first retry; doubles each time. */
        delaySeconds: nonNegativeInt().default(60),
        /** Longest pause between two attempts. */
        maxDelaySeconds: nonNegativeInt().default(600),
      })
      .prefault({}),
    /** A replica's claim on a job expires after this long without renewal (PostgreSQL replicas). */
    leaseSeconds: positiveInt().default(300),
    /** Name of this replica in job runs and leases (default: host name and process ID). */
    replicaId: nonEmptyString().optional(),
  })
  .prefault({});
