import type { z } from 'zod';

/**
 * Turns zod issues into one line per problem, each naming the key path:
 * `config: smart2pay.settleSeconds must be a non-negative integer`.
 * Values are never echoed: they may be secrets.
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.flatMap(describeIssue).map((line) => `config: ${line}`).join('\n');
}

function keyPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = keyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${where ? `${where}.` : ''}${key} is not a known key`);
  }
  const subject = where || 'the configuration';
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [`${subject} is required`];
  }
  if (issue.code === 'invalid_type' && issue.expected === 'object') {
    return [`${subject} must be an object`];
  }
  return [`${subject} ${issue.message}`];
}
