/**
 * The process's one Z3 instance (z3-solver, WASM): started lazily on first use, shared by every
 * query, stopped with {@link shutdown}. Together with the rest of src/smt/z3/ this is the only
 * code that imports `z3-solver` (test/architecture.test.ts enforces it).
 *
 * Guarantees:
 * - `init()` starts Z3 once per process however many callers race for it;
 * - {@link exclusive} runs solver calls one at a time in call order: z3-solver serializes them
 *   anyway, and running them in our own queue lets each call's watchdog timer start only when
 *   the call really starts;
 * - a Z3 error never leaves the instance in an error state ({@link guarded}): when an async
 *   `check()` directly follows a failed call, z3-solver rethrows the stale error, and a second
 *   `check()` then fails with "you can't execute multiple async functions at the same time"
 *   from a place no caller can catch (Z3-NOTES pitfall 2, reproduced with 5.2.0). Any
 *   synchronous Z3 call also clears the state, and every check here sets its limits first, so
 *   this is a second line of defence;
 * - Z3 objects are never freed while a solver call runs ({@link exclusive}): z3-solver frees them
 *   from FinalizationRegistry callbacks on the main thread, and those can fire while an async
 *   `check()` works on the same context in Z3's worker thread. Z3 is not thread-safe: the race
 *   was seen to crash Z3 ("Maximum call stack size exceeded" in `smt::context::internalize`),
 *   hang, and once to answer `unsat` for a satisfiable query. The registry z3-solver creates at
 *   `init()` is wrapped so that its callbacks wait until no solver call is running;
 * - memory exhaustion inside Z3 becomes an `unknown` answer instead of aborting the process; the
 *   instance is then unusable, so later calls throw.
 */
import { setFlagsFromString } from 'node:v8';
import type { Context, init as InitZ3 } from 'z3-solver';

type Z3Module = typeof import('z3-solver');
type Z3Api = Awaited<ReturnType<typeof InitZ3>>;

/**
 * z3-solver, loaded on first use only: importing it costs about 0.1 s and loads WASM glue, so
 * commands that never ask the solver (simulate, rules list, --help) never load it.
 */
let z3module: Z3Module | null = null;

async function z3(): Promise<Z3Module> {
  z3module ??= await import('z3-solver');
  return z3module;
}

/** Z3_OK, for clearing an error state (only ever needed once z3-solver is loaded). */
function z3Ok(): number {
  if (z3module === null) throw new Error('z3-solver used before it was loaded');
  return z3module.Z3_error_code.Z3_OK;
}

/** The Z3 context every klp-verify query lives in. */
export type Ctx = Context<'klp'>;

/** Z3's memory budget in MB; the WASM heap is fixed at 2 GiB, so leave room for the rest. */
export const MEMORY_MAX_MB = 1536;

export interface Session {
  readonly api: Z3Api;
  readonly ctx: Ctx;
  /** Z3's version, e.g. `Z3 5.1.0.0`. */
  readonly version: string;
}

let starting: Promise<Session> | null = null;
let current: Session | null = null;
let poisoned: string | null = null;
const releasers = new Set<() => void>();

/** Solver calls running (0 or 1: {@link exclusive} runs one at a time). */
let running = 0;
/** Finalizers that fired while a solver call ran, to run once it is done. */
const deferredFinalizers: (() => void)[] = [];

function runDeferredFinalizers(): void {
  while (running === 0 && deferredFinalizers.length > 0) deferredFinalizers.shift()?.();
}

/**
 * A FinalizationRegistry whose callbacks wait while a solver call runs. Installed as the global
 * only for the duration of z3-solver's `init()`, which creates its one registry then.
 */
function deferringRegistry(native: typeof FinalizationRegistry): typeof FinalizationRegistry {
  return class DeferringRegistry<T> extends native<T> {
    constructor(callback: (held: T) => void) {
      super((held: T) => {
        if (running > 0) deferredFinalizers.push(() => callback(held));
        else callback(held);
      });
    }
  } as typeof FinalizationRegistry;
}

/**
 * Z3's WASM code stays with V8's baseline compiler (Liftoff): by default V8 also recompiles the
 * hot functions of the 35 MB module with TurboFan in background threads, work that a short run
 * never earns back. Measured on the 2-core machine (bench/RESULTS.md, "Cold check"): a cold
 * `check` of the rollback example used 1.56 s of CPU with tier-up and 1.15 s without (peak RSS
 * 186 MB vs 158 MB), and the 14-step manual `prove loadable` chain (10 patches) was no slower
 * (15-17 s of CPU either way). A V8 flag read when the module is compiled, so set before
 * `init()`; it concerns WebAssembly only.
 */
function baselineWasmOnly(): void {
  setFlagsFromString('--liftoff-only');
}

async function start(): Promise<Session> {
  baselineWasmOnly();
  const native = globalThis.FinalizationRegistry;
  globalThis.FinalizationRegistry = deferringRegistry(native);
  let api: Z3Api;
  try {
    api = await (await z3()).init();
  } finally {
    globalThis.FinalizationRegistry = native;
  }
  // Context options throw in 5.2.0 (Z3-NOTES pitfall 1): global parameters go through setParam.
  api.setParam('memory_max_size', MEMORY_MAX_MB);
  const ctx = new api.Context('klp');
  const session: Session = { api, ctx, version: api.getFullVersion() };
  current = session;
  return session;
}

/**
 * The shared Z3 session, started on first call (about 0.2-0.4 s; later calls are free).
 *
 * @example
 * const { version } = await init(); // 'Z3 5.1.0.0'
 */
export function init(): Promise<Session> {
  if (poisoned !== null) return Promise.reject(new Error(poisoned));
  if (starting === null) {
    starting = start().catch((e: unknown) => {
      starting = null;
      throw e;
    });
  }
  return starting;
}

/**
 * Starts Z3 if needed and returns its version: lets a caller start it early, in parallel with
 * other work, without touching Z3 types.
 *
 * @example
 * await solverVersion() // 'Z3 5.1.0.0'
 */
export async function solverVersion(): Promise<string> {
  return (await init()).version;
}

/**
 * Releases every solver and stops Z3's worker threads. The process exits by itself without
 * this with z3-solver 5.2.0; call it to free the memory early or as a belt-and-braces step
 * before exit. A later `init()` starts a new instance.
 *
 * @example
 * await shutdown(); // queued after any check still running
 */
export async function shutdown(): Promise<void> {
  const session = current;
  if (session === null) return;
  await exclusive(async () => {
    for (const release of [...releasers]) release();
    releasers.clear();
    current = null;
    starting = null;
    await (await z3()).killThreads(session.api.em);
  });
}

/**
 * Registers a function that frees Z3 objects at {@link shutdown}; returns its deregistration.
 *
 * @example
 * const forget = onShutdown(() => solver.release());
 */
export function onShutdown(release: () => void): () => void {
  releasers.add(release);
  return () => releasers.delete(release);
}

/**
 * Marks the instance unusable (Z3 ran out of memory): later calls throw `reason`.
 *
 * @example
 * poison('z3 ran out of memory');
 */
export function poison(reason: string): void {
  poisoned = reason;
}

let queue: Promise<unknown> = Promise.resolve();

/** The part of Emscripten's pthread runtime that z3-solver exposes as `em.PThread`. */
interface PThreadPool {
  readonly runningWorkers: readonly unknown[];
}

function pthreadPool(): PThreadPool | null {
  const em: unknown = current?.api.em;
  if (typeof em !== 'object' || em === null || !('PThread' in em)) return null;
  const pool: unknown = em.PThread;
  if (typeof pool !== 'object' || pool === null || !('runningWorkers' in pool)) return null;
  return Array.isArray(pool.runningWorkers) ? { runningWorkers: pool.runningWorkers } : null;
}

/** How long a call waits for the previous call's thread to go back to the pool. */
const THREAD_RETURN_WAIT_MS = 20;

/**
 * Waits (briefly) until the threads of earlier async Z3 calls are back in Emscripten's worker
 * pool. z3-solver runs every async call (`check`) on a new pthread; the thread ends right after
 * it resolves the call's promise, but the worker returns to the pool only when the main thread
 * handles its `cleanupThread` message, a macrotask after our continuation. A call started
 * before that finds the pool empty and spawns a second WASM worker (measured: 100-200 ms of CPU
 * and about 15 MB on the first few checks of `check`). Bounded: after the wait, go anyway.
 */
async function threadsReturned(): Promise<void> {
  const pool = pthreadPool();
  if (pool === null || pool.runningWorkers.length === 0) return;
  const until = performance.now() + THREAD_RETURN_WAIT_MS;
  while (pool.runningWorkers.length > 0 && performance.now() < until) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Runs `fn` after every solver call queued before it has finished.
 *
 * @example
 * const answer = await exclusive(() => solver.check());
 */
export function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const guardedFn = async (): Promise<T> => {
    await threadsReturned();
    running++;
    try {
      return await fn();
    } finally {
      running--;
      runDeferredFinalizers();
    }
  };
  const run = queue.then(guardedFn, guardedFn);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Runs a synchronous Z3 call; on a Z3 error, clears the context's error state before
 * rethrowing, so the next call does not see it again.
 *
 * @example
 * const e = guarded(session, () => session.ctx.BitVec.const('v', 32));
 */
export function guarded<T>(session: Session, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    session.api.Z3.set_error(session.ctx.ptr, z3Ok());
    throw e;
  }
}

/**
 * {@link guarded} for an asynchronous Z3 call.
 *
 * @example
 * const answer = await guardedAsync(session, () => solver.check());
 */
export async function guardedAsync<T>(session: Session, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    session.api.Z3.set_error(session.ctx.ptr, z3Ok());
    throw e;
  }
}

/**
 * How long Z3 may overshoot its `timeout` before the watchdog interrupts it: half the budget,
 * at least 0.1 s and at most 0.5 s, so a command's `--timeout` plus one second holds even
 * when the last check started with the whole budget left.
 */
export function watchdogGrace(timeoutMs: number): number {
  return Math.min(500, Math.max(100, Math.ceil(timeoutMs / 2)));
}
