/**
 * Exit statuses, the same for every command so scripts can rely on them.
 */
export const EXIT = {
  /** Everything held: the plan met its expectations, the claim is proved. */
  ok: 0,
  /** Findings: a step did not meet its expectation, a claim is refuted. */
  findings: 1,
  /** Bad input: unreadable or invalid files, bad arguments. */
  badInput: 2,
  /** The solver could not decide within its limits. */
  unknown: 3,
  /** A bug in klp-verify (e.g. solver and evaluator disagree); please report it. */
  internal: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown for bad command-line arguments; caught by main and printed with usage advice. */
export class UsageError extends Error {
  readonly help: string | undefined;
  constructor(message: string, help?: string) {
    super(message);
    this.name = 'UsageError';
    this.help = help;
  }
}
