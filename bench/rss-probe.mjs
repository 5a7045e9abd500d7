// Preloaded with `node --import ./bench/rss-probe.mjs`: at exit, writes the
// process's own peak RSS (kB, from getrusage) and CPU time (ms, all threads)
// to $RSS_PROBE_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.RSS_PROBE_FILE;
  if (!file) return;
  const usage = process.resourceUsage();
  writeFileSync(
    file,
    JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) }),
  );
});
