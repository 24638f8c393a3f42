/**
 * The run's deadline where no result can carry an `unknown`: work that is not a question to a
 * solver (reading and parsing input files) throws {@link OutOfTime} when `--timeout` passes,
 * and the CLI (src/cli/main.ts) turns it into exit status 3 with what was being done.
 *
 * INVARIANT: only code whose partial work means nothing throws this; an engine that has
 * established something (a bound, a matrix) returns `unknown` with it instead.
 */

/** The deadline passed while `doing` (`reading catalog.yaml`). */
export class OutOfTime extends Error {
  readonly doing: string;

  constructor(doing: string) {
    super(`the time limit ran out while ${doing}`);
    this.name = 'OutOfTime';
    this.doing = doing;
  }
}

/**
 * Throws {@link OutOfTime} when `deadline` (`Date.now()` milliseconds) has passed.
 *
 * @example
 * for (const item of items) { checkDeadline(deadline, 'reading the catalog'); read(item); }
 */
export function checkDeadline(deadline: number, doing: string): void {
  if (Date.now() >= deadline) throw new OutOfTime(doing);
}

/** The deadline of the synchronous work running now (see {@link within}). */
let current = Number.POSITIVE_INFINITY;
let doingNow = '';

/**
 * Runs the synchronous `work` with `deadline` as the one {@link tick} checks: deep loops (the
 * rule compiler's bindings, quadratic in the catalog) stop there without a deadline parameter
 * in every signature between. Restored afterwards, so nesting and later calls are unaffected.
 * Synchronous only: an `await` inside would leak the deadline to whatever runs meanwhile.
 *
 * @example
 * const bad = within(deadline, 'encoding the claim', () => posed.bad(ts)); // or OutOfTime
 */
export function within<T>(deadline: number, doing: string, work: () => T): T {
  const [saved, savedDoing] = [current, doingNow];
  current = Math.min(deadline, saved);
  doingNow = doing;
  try {
    return work();
  } finally {
    current = saved;
    doingNow = savedDoing;
  }
}

let ticks = 0;

/** Throws {@link OutOfTime} when the deadline of {@link within} passed (looks every 256 calls). */
export function tick(): void {
  if ((++ticks & 255) !== 0 || current === Number.POSITIVE_INFINITY) return;
  checkDeadline(current, doingNow);
}
