/**
 * `npm run bench:table -- OUTPUT...`: writes the README's performance table again from the saved
 * output of `npm run bench` runs, one file per Node version CI tests, in the order given (a file may
 * hold a later run on the same Node after the first: its lines replace those of the same name).
 * The README's text around the table is left as it is.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { MARKERS, readRun, replaceTable, table } from "./bench/table.js"

const README = "README.md"

/** Says what is wrong on stderr and makes the exit status 1. */
const usageError = (message: string) =>
  Effect.andThen(
    Console.error(message),
    Effect.sync(() => {
      process.exitCode = 1
    })
  )

const main = Effect.gen(function*() {
  const files = process.argv.slice(2)
  if (files.length === 0) return yield* usageError("usage: npm run bench:table -- OUTPUT...")
  const fs = yield* FileSystem.FileSystem
  const runs = yield* Effect.forEach(files, (file) => Effect.map(fs.readFileString(file), readRun))
  const readme = yield* fs.readFileString(README)
  const written = replaceTable(readme, table(runs))
  if (written === undefined) return yield* usageError(`${README} has no "${MARKERS.start}" ... "${MARKERS.end}"`)
  yield* fs.writeFileString(README, written)
  yield* Console.log(`${README}: ${runs.map((run) => run.heading).join("; ")}`)
})

NodeRuntime.runMain(main.pipe(Effect.provide(NodeServices.layer)))
