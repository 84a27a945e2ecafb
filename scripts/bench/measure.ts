/**
 * What every benchmark needs: a clean heap before each timed run, and the median of several runs
 * (machines here are small and noisy).
 */
import * as Effect from "effect/Effect"

/** Collects garbage when node runs with --expose-gc (as `npm run bench` does), so no run pays for the last one's. */
export const collectGarbage = (): void => {
  const gc = Reflect.get(globalThis, "gc")
  if (typeof gc === "function") gc()
}

/**
 * A clean heap, then a pause for the collector's background threads (its concurrent sweeping)
 * to finish, so that they do not take a core from the server during the next timed run: on two
 * cores, a raw run right after a client run was measured 20% slower without it.
 */
export const settle: Effect.Effect<void> = Effect.andThen(Effect.sync(collectGarbage), Effect.sleep("300 millis"))

/** The median of the figures. */
export const median = (values: ReadonlyArray<number>): number => [...values].sort((a, b) => a - b)[values.length >> 1]!
