/**
 * The project as it is published. `PackedPackage` is the tarball `npm pack` makes from a fresh
 * clone of the working tree (its `prepack` builds `dist/`), and `installTarball` unpacks it into an
 * application's `node_modules` as npm does, so that `effect-ovsdb` and its `exports` resolve as they
 * do for a user who installed it. `BuiltPackage` is everything `tsc -p tsconfig.build.json` builds,
 * the scripts too, in a directory of its own. Both are removed when the layer's scope closes.
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
import { FixtureError, runTool, runToolResult } from "./OvsdbServer.js"

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

/** The built project: its `dist/`, with `src/`, `scripts/` and `examples/` compiled. */
export class BuiltPackage extends Context.Service<BuiltPackage, {
  readonly dist: string
}>()("test/BuiltPackage") {
  static readonly layer: Layer.Layer<BuiltPackage, FixtureError> = Layer.effect(
    BuiltPackage,
    Effect.gen(function*() {
      const dist = Path.join(yield* scratchDir("package-"), "dist")
      const compiled = yield* tsc(["-p", Path.join(ROOT, "tsconfig.build.json"), "--outDir", dist])
      // Type errors elsewhere in the project are the typecheck's business; the package just has to build.
      if (!Fs.existsSync(Path.join(dist, "src", "index.js"))) {
        return yield* new FixtureError({ message: `the package did not build:\n${compiled.stdout}` })
      }
      return { dist }
    })
  )
}

/**
 * A fresh clone of the working tree, without `git clone` (which would leave out uncommitted work):
 * the files git tracks or would track, as they are now. No `dist/`, no `node_modules/`.
 */
const cloneWorkingTree = Effect.gen(function*() {
  const clone = yield* scratchDir("clone-")
  const listed = yield* runTool("git", ["-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"])
  // Tracked files deleted from the working tree are listed too, and so is a symbolic link to a
  // directory that an ignore rule for directories misses: only files are copied.
  const isFile = (file: string) => Fs.statSync(Path.join(ROOT, file), { throwIfNoEntry: false })?.isFile() === true
  yield* Effect.try({
    try: () => {
      for (const file of listed.split("\0").filter(isFile)) {
        Fs.mkdirSync(Path.dirname(Path.join(clone, file)), { recursive: true })
        Fs.copyFileSync(Path.join(ROOT, file), Path.join(clone, file))
      }
    },
    catch: (cause) => new FixtureError({ message: `could not copy the working tree to ${clone}`, cause })
  })
  return clone
})

/** The tarball `npm pack` makes of a fresh clone of the working tree, running its `prepack`. */
export class PackedPackage extends Context.Service<PackedPackage, {
  readonly tarball: string
}>()("test/PackedPackage") {
  static readonly layer: Layer.Layer<PackedPackage, FixtureError> = Layer.effect(
    PackedPackage,
    Effect.gen(function*() {
      const clone = yield* cloneWorkingTree
      const destination = yield* scratchDir("tarball-")
      const packed = yield* runToolResult("npm", ["pack", clone, "--pack-destination", destination])
      const tarballs = Fs.readdirSync(destination).filter((file) => file.endsWith(".tgz"))
      if (packed.code !== 0 || tarballs.length !== 1) {
        return yield* new FixtureError({
          message:
            `npm pack exited ${packed.code}, making ${tarballs.length} tarballs:\n${packed.stdout}${packed.stderr}`
        })
      }
      return { tarball: Path.join(destination, tarballs[0]!) }
    })
  )
}

/** The files in a package tarball, as paths inside the package (npm puts them under `package/`). */
export const tarballFiles = (tarball: string) =>
  Effect.map(
    runTool("tar", ["-tzf", tarball]),
    (listing) => listing.split("\n").filter((line) => line !== "").map((line) => line.replace(/^package\//, ""))
  )

/**
 * Installs a package tarball into `app/node_modules/<name>` as npm unpacks it, and returns that
 * directory. Its dependencies resolve from the project's `node_modules`, above `app` (npm would
 * download them), at the versions the project's lockfile pins.
 */
export const installTarball = (tarball: string, app: string, name: string) =>
  Effect.gen(function*() {
    const dir = Path.join(app, "node_modules", name)
    Fs.mkdirSync(dir, { recursive: true })
    yield* runTool("tar", ["-xzf", tarball, "-C", dir, "--strip-components=1"])
    return dir
  })
