/**
 * `npm run chaos -- --kills K --writers W [--seconds S] [--log FILE]`: the chaos run of
 * `scripts/chaos/run.ts` (a 3-member cluster, W writers, K kills of the leader, an observer
 * replica, the truth from `ovsdb-client query`). Prints what went wrong, if anything, then the
 * `chaos: …` line; exits 0 only with nothing lost, nothing duplicated and the replica equal to the
 * server.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { passed, runChaos, summary } from "./chaos/run.js"

const USAGE = "usage: npm run chaos -- --kills K --writers W [--seconds S] [--log FILE]"

/** The options given, or why they cannot be read. */
const parse = (args: ReadonlyArray<string>) => {
  const values = new Map<string, string>()
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!
    const value = args[i + 1]
    if (!["--kills", "--writers", "--seconds", "--log"].includes(flag) || value === undefined) return USAGE
    values.set(flag, value)
  }
  const count = (flag: string, fallback: number) => {
    const text = values.get(flag)
    const n = text === undefined ? fallback : Number(text)
    return Number.isInteger(n) && n >= 0 ? n : undefined
  }
  const kills = count("--kills", 10)
  const writers = count("--writers", 3)
  const seconds = values.has("--seconds") ? count("--seconds", 0) : undefined
  if (
    kills === undefined || writers === undefined || writers === 0 || (values.has("--seconds") && seconds === undefined)
  ) {
    return USAGE
  }
  return { kills, writers, seconds, log: values.get("--log") }
}

const main = Effect.gen(function*() {
  const options = parse(process.argv.slice(2))
  if (typeof options === "string") {
    yield* Console.error(options)
    return process.exitCode = 2
  }
  const report = yield* runChaos(options)
  for (const problem of report.problems) yield* Console.log(`  ${problem}`)
  yield* Console.log(summary(report))
  process.exitCode = passed(report) ? 0 : 1
})

NodeRuntime.runMain(main)
