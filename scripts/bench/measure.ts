/**
 * What every benchmark needs: a clean heap before each timed run, and the median of several runs
 * (machines here are small and noisy).
 */

/** Collects garbage when node runs with --expose-gc (as `npm run bench` does), so no run pays for the last one's. */
export const collectGarbage = (): void => {
  const gc = Reflect.get(globalThis, "gc")
  if (typeof gc === "function") gc()
}

/** The median of the figures. */
export const median = (values: ReadonlyArray<number>): number => [...values].sort((a, b) => a - b)[values.length >> 1]!
