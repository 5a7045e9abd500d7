import { z } from 'zod';

export const filesSection = z
  .strictObject({
    /**
     * Permissions of the files the engine creates (ledger and its WAL,
     * reports, temporary files), octal; their folders get the same plus the
     * search bit where a read bit is set (0600 → 0700, 0640 → 0750).
     */
    mode: z
      .string()
      .regex(/^0?[0-7]{3}$/, { error: 'must be an octal file mode such as "0600" or "0640"' })
      .refine((m) => (Number.parseInt(m, 8) & 0o600) === 0o600, { error: 'must let the owner read and write ("06xx")' })
      .default('0600'),
  })
  .prefault({});
