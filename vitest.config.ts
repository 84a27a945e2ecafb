import { defineConfig } from "vitest/config"

// Vitest 5 targets Node 22; its error reporter calls Map.groupBy, which Node 20 lacks.
// This keeps failure reports readable when the suite runs on Node 20.
if (typeof Reflect.get(Map, "groupBy") !== "function") {
  Object.defineProperty(Map, "groupBy", {
    value: <K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, Array<V>> => {
      const groups = new Map<K, Array<V>>()
      let index = 0
      for (const item of items) {
        const k = key(item, index++)
        const group = groups.get(k)
        if (group === undefined) groups.set(k, [item])
        else group.push(item)
      }
      return groups
    }
  })
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Most tests wait on real servers (elections, restarts, child processes), not on the CPU: two
    // files at a time take about two thirds of the wall time of one on a 2-core machine, where
    // Vitest's default (the cores less one) would run them one by one.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "text"],
      thresholds: { lines: 85 }
    }
  }
})
