/**
 * The project built as it is published: `tsc -p tsconfig.build.json` into `dist/` of a temporary
 * package directory beside a copy of `package.json`, so that `effect-ovsdb` and its `exports`
 * resolve as they do for a user who installed it. Removed when the layer's scope closes.
 *
 * @example
 * ```ts
 * layer(BuiltPackage.layer)("the built command", (it) => {
 *   it.effect("runs", () => Effect.flatMap(BuiltPackage, ({ dist }) => runTool(process.execPath, [`${dist}/src/cli/main.js`])))
 * })
 * ```
 */
import { Context, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { FixtureError, runToolResult } from "./OvsdbServer.js"

/** The project's root directory. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/**
 * A scratch directory under `node_modules/.cache` (so that `effect`, `typescript` and `@types/node`
 * resolve from it as from the project), removed when the scope closes.
 */
export const scratchDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const cache = Path.join(ROOT, "node_modules", ".cache")
      Fs.mkdirSync(cache, { recursive: true })
      return Fs.mkdtempSync(Path.join(cache, prefix))
    }),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

/** Runs the project's TypeScript compiler with `args`. */
export const tsc = (args: ReadonlyArray<string>) =>
  runToolResult(process.execPath, [Path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), ...args])

/** The built package: its directory (with `package.json`) and its `dist/`. */
export class BuiltPackage extends Context.Service<BuiltPackage, {
  readonly dir: string
  readonly dist: string
}>()("test/BuiltPackage") {
  static readonly layer: Layer.Layer<BuiltPackage, FixtureError> = Layer.effect(
    BuiltPackage,
    Effect.gen(function*() {
      const dir = yield* scratchDir("package-")
      const dist = Path.join(dir, "dist")
      const compiled = yield* tsc(["-p", Path.join(ROOT, "tsconfig.build.json"), "--outDir", dist])
      // Type errors elsewhere in the project are the typecheck's business; the package just has to build.
      if (!Fs.existsSync(Path.join(dist, "src", "index.js"))) {
        return yield* new FixtureError({ message: `the package did not build:\n${compiled.stdout}` })
      }
      Fs.copyFileSync(Path.join(ROOT, "package.json"), Path.join(dir, "package.json"))
      return { dir, dist }
    })
  )
}
