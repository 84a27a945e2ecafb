// The package as a user gets it: the tarball `npm pack` makes from a fresh clone (its `prepack`
// builds it), installed into an application in its own directory, with `effect-ovsdb` resolved
// through the package's `exports`, a model it generated with the packed `effect-ovsdb codegen` and a
// model the package ships. It type-checks against the published declarations (with
// `@ts-expect-error` lines that only hold if the types arrive), builds, and runs against a real
// ovsdb-server; ovn-nbctl sees what it wrote. The package's internals are not importable.
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { installTarball, PackedPackage, scratchDir, tarballFiles, tsc } from "./support/BuiltPackage.js"
import { OvsdbServer, runTool, runToolResult, SCHEMAS } from "./support/OvsdbServer.js"

const application = `import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Model, Ovsdb, Typed } from "effect-ovsdb"
import { Bridge } from "effect-ovsdb/models/Open_vSwitch"
import { database, Logical_Switch, Logical_Switch_Port } from "./Nb.js"

// @ts-expect-error: Logical_Switch.name is a string, as the generated model says
Typed.insert(Logical_Switch, { name: 5 })
// @ts-expect-error: Bridge.name is set on insert only, as the shipped model says
Typed.update(Bridge, [], { name: "br1" })

const program = Effect.gen(function*() {
  const ovsdb = yield* Ovsdb.Ovsdb
  yield* ovsdb.ensureCompatible(database.schema)
  const port = Model.named(Logical_Switch_Port, "port")
  yield* ovsdb.transact(
    database.name,
    Typed.insert(Logical_Switch_Port, { name: "app-p0", addresses: ["00:00:00:00:00:01"] }, { uuidName: port }),
    Typed.insert(Logical_Switch, { name: "app-ls", ports: [port] })
  )
  const [{ rows }] = yield* ovsdb.transact(
    database.name,
    Typed.select(Logical_Switch, [["name", "==", "app-ls"]], ["name", "ports"])
  )
  const refused = yield* Effect.flip(
    ovsdb.transact("Open_vSwitch", Typed.insert(Bridge, { name: "br0", flood_vlans: [4096] }))
  )
  yield* Console.log(JSON.stringify({
    switches: rows.map((row) => ({ name: row.name, ports: row.ports.length })),
    refused: refused._tag === "ValueError" ? \`\${refused.column} \${refused.constraint}\` : refused._tag
  }))
}).pipe(Effect.provide(Ovsdb.layer({ remote: process.argv[2]! })))

NodeRuntime.runMain(program)
`

const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022"],
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUnusedLocals: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    outDir: "out"
  },
  include: ["*.ts"]
}

// Imports each module named on the command line and prints, for each, "imported" or the error's code.
const importer = `const outcome = (specifier) => import(specifier).then(() => "imported", (error) => error.code)
const specifiers = process.argv.slice(2)
const outcomes = await Promise.all(specifiers.map(outcome))
console.log(JSON.stringify(Object.fromEntries(specifiers.map((specifier, i) => [specifier, outcomes[i]]))))
`

/** The path of the command `name` that the package installed in `dir` names in its `bin`. */
const binOf = (dir: string, name: string): string | undefined => {
  const manifest: { readonly bin?: Readonly<Record<string, string>> } = JSON.parse(
    Fs.readFileSync(Path.join(dir, "package.json"), "utf8")
  )
  const bin = manifest.bin?.[name]
  return bin === undefined ? undefined : Path.join(dir, bin)
}

const TestLayer = Layer.mergeAll(
  PackedPackage.layer,
  OvsdbServer.layer({ databases: ["OVN_Northbound", "Open_vSwitch"] })
)

layer(TestLayer, { excludeTestServices: true, timeout: 120_000 })("the package, used from an application", (it) => {
  it.effect("generates a model, type-checks, builds and runs against ovsdb-server", () =>
    Effect.gen(function*() {
      const { tarball } = yield* PackedPackage
      const server = yield* OvsdbServer
      const app = yield* scratchDir("application-")
      Fs.writeFileSync(Path.join(app, "package.json"), JSON.stringify({ type: "module" }))
      Fs.writeFileSync(Path.join(app, "tsconfig.json"), JSON.stringify(tsconfig))
      Fs.writeFileSync(Path.join(app, "main.ts"), application)
      const pkg = yield* installTarball(tarball, app, "effect-ovsdb")

      const bin = binOf(pkg, "effect-ovsdb")
      assert.isDefined(bin)
      assert.match(Fs.readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/)
      yield* runTool(process.execPath, [bin, "codegen", SCHEMAS.OVN_Northbound, Path.join(app, "Nb.ts")])
      assert.include(Fs.readFileSync(Path.join(app, "Nb.ts"), "utf8"), `import { Model } from "effect-ovsdb"`)

      const built = yield* tsc(["-p", app])
      assert.strictEqual(built.code, 0, built.stdout + built.stderr)

      const ran = yield* runToolResult(process.execPath, [Path.join(app, "out", "main.js"), server.unix])
      assert.deepStrictEqual({ code: ran.code, stderr: ran.stderr }, { code: 0, stderr: "" })
      assert.deepStrictEqual(JSON.parse(ran.stdout), {
        switches: [{ name: "app-ls", ports: 1 }],
        refused: "flood_vlans maxInteger"
      })
      const ports = yield* runTool("ovn-nbctl", [`--db=${server.unix}`, "lsp-list", "app-ls"])
      assert.match(ports, /\(app-p0\)/)
    }))

  it.effect("ships the built public modules, models and command, and exports only the modules and models", () =>
    Effect.gen(function*() {
      const { tarball } = yield* PackedPackage
      const files = yield* tarballFiles(tarball)
      const tops = new Set(files.map((file) => file.split("/").slice(0, file.startsWith("dist/") ? 2 : 1).join("/")))
      assert.deepStrictEqual([...tops].sort(), ["LICENSE", "README.md", "dist/cli", "dist/src", "package.json", "src"])
      for (
        const file of [
          "dist/src/index.js",
          "dist/src/index.d.ts",
          "dist/src/models/Open_vSwitch.js",
          "dist/cli/main.js"
        ]
      ) {
        assert.include(files, file)
      }
      assert.deepStrictEqual(files.filter((file) => /^dist\/src\/cli\/.*\.d\.ts/.test(file)), [])

      const app = yield* scratchDir("importer-")
      yield* installTarball(tarball, app, "effect-ovsdb")
      Fs.writeFileSync(Path.join(app, "import.mjs"), importer)
      const outcomes = yield* runTool(process.execPath, [
        Path.join(app, "import.mjs"),
        "effect-ovsdb",
        "effect-ovsdb/models/Open_vSwitch",
        "effect-ovsdb/internal/locks",
        "effect-ovsdb/codec/Framer",
        "effect-ovsdb/cli/Cli"
      ])
      assert.deepStrictEqual(JSON.parse(outcomes), {
        "effect-ovsdb": "imported",
        "effect-ovsdb/models/Open_vSwitch": "imported",
        "effect-ovsdb/internal/locks": "ERR_PACKAGE_PATH_NOT_EXPORTED",
        "effect-ovsdb/codec/Framer": "ERR_PACKAGE_PATH_NOT_EXPORTED",
        "effect-ovsdb/cli/Cli": "ERR_PACKAGE_PATH_NOT_EXPORTED"
      })
    }))
})
