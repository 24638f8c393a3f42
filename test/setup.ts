/**
 * Property tests are reproducible by default: one fixed fast-check seed for every run, so a
 * property's outcome counters (which fail a test when an outcome never occurred) cannot fail
 * by chance in CI. `KLP_SEED=N` picks another seed; `KLP_FULL=1` runs the bigger, randomly
 * seeded properties (fast-check prints the seed of any failure to reproduce it).
 */
import fc from 'fast-check';

if (process.env.KLP_FULL === undefined || process.env.KLP_SEED !== undefined) {
  fc.configureGlobal({ seed: Number(process.env.KLP_SEED ?? 1) });
}
