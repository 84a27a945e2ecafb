// The code generator: a tricky schema's module type-checks, and its types say what the schema
// says (proved by `@ts-expect-error` lines tsc must find errors on); the shipped models are what
// the installed schema files give; the recorded _Server schema is what ovsdb-server serves; the
// codegen command writes the module and reports bad input as one line.
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Console, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { expectedModels } from "../scripts/models.js"
import { run } from "../src/cli/Cli.js"
import { generateFromFile } from "../src/cli/CodegenCommand.js"
import { generate, identifier } from "../src/codegen/Generate.js"
import { parse } from "../src/Json.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"
import { tsc } from "./support/BuiltPackage.js"
import { OvsdbServer } from "./support/OvsdbServer.js"

const root = Path.resolve(import.meta.dirname, "..")
const work = Path.join(root, "node_modules", ".cache", "generate-test")

const tricky = {
  name: "Tricky",
  version: "1.2.3",
  cksum: "123 456",
  tables: {
    class: {
      columns: {
        level: { type: { key: { type: "integer", enum: ["set", [1, 2, 3]] } } },
        small: { type: { key: { type: "integer", minInteger: 0, maxInteger: 4095 } } },
        huge: { type: { key: { type: "integer", minInteger: 0, maxInteger: 1152921504606846976n } } },
        ratio: { type: { key: { type: "real", minReal: 0, maxReal: 1 } } },
        note: { type: { key: "string", min: 0, max: 1 } },
        tags: { type: { key: { type: "string", maxLength: 8 }, min: 1, max: 4 } },
        flags: {
          type: { key: { type: "string", enum: ["set", ["a", "b"]] }, value: "boolean", min: 0, max: "unlimited" }
        },
        owner: { type: { key: { type: "uuid", refTable: "schema" }, min: 0, max: 1 } },
        watchers: { type: { key: { type: "uuid", refTable: "schema", refType: "weak" }, min: 0, max: "unlimited" } },
        name: { type: "string", mutable: false }
      },
      isRoot: true,
      indexes: [["name"]]
    },
    schema: {
      columns: { name: { type: "string" } },
      maxRows: 10
    }
  }
}

const usage = `import * as Model from "../../../src/Model.js"
import * as Typed from "../../../src/Typed.js"
import { classTable, schemaTable, database } from "./Tricky.js"

const person = Model.named(schemaTable, "p")
Typed.insert(classTable, { level: 2, small: 7, huge: 9007199254740993n, ratio: 0.5, tags: ["x"], owner: person, name: "c" })
Typed.insert(classTable, { flags: new Map([["a", true]]), watchers: [person], note: undefined })
// @ts-expect-error: level is 1 | 2 | 3
Typed.insert(classTable, { level: 4 })
// @ts-expect-error: small fits a number, so it is not a bigint
Typed.insert(classTable, { small: 7n })
// @ts-expect-error: flags' keys are "a" | "b"
Typed.insert(classTable, { flags: new Map([["c", true]]) })
// @ts-expect-error: owner refers to the schema table, not to class
Typed.insert(classTable, { owner: Model.named(classTable, "c") })
// @ts-expect-error: name is set on insert only
Typed.update(classTable, [], { name: "d" })
// @ts-expect-error: < is for numbers
Typed.select(classTable, [["note", "<", "x"]])
Typed.select(classTable, [["ratio", "<", 0.5], ["huge", ">", 1n]])
const name: "Tricky" extends typeof database.name ? true : false = true
void name
`

describe("the code generator", () => {
  it.effect("writes a module that type-checks, typed as the schema says", () =>
    Effect.gen(function*() {
      const schema = yield* DatabaseSchema.decode(tricky)
      const source = generate(schema, { importFrom: "../../../src/" })
      Fs.rmSync(work, { recursive: true, force: true })
      Fs.mkdirSync(work, { recursive: true })
      Fs.writeFileSync(Path.join(work, "Tricky.ts"), source)
      Fs.writeFileSync(Path.join(work, "usage.ts"), usage)
      Fs.writeFileSync(
        Path.join(work, "tsconfig.json"),
        JSON.stringify({ extends: "../../../tsconfig.json", include: ["Tricky.ts", "usage.ts"] })
      )
      const checked = yield* tsc(["--noEmit", "-p", work])
      assert.strictEqual(checked.code, 0, checked.stdout + checked.stderr)

      assert.include(source, "A typed model of the Tricky database, version 1.2.3")
      assert.include(source, "export const database = Model.database(schema, { classTable, schemaTable })")
      assert.include(source, "readonly huge: number | bigint")
      assert.include(source, "readonly small: number")
      assert.include(source, "readonly level: 1 | 2 | 3")
      assert.include(source, "readonly owner: Model.Ref<\"schema\"> | undefined")
      assert.include(source, "\"maxInteger\": 1152921504606846976n")
      assert.include(source, "indexes: name")
      assert.include(source, "at most 10 rows")
      assert.deepStrictEqual([identifier("class"), identifier("Logical_Switch")], ["classTable", "Logical_Switch"])
    }), { timeout: 60_000 })

  it.effect("the shipped models are what the installed schema files give", () =>
    Effect.gen(function*() {
      for (const [module, expected] of yield* expectedModels(root)) {
        const committed = Fs.readFileSync(Path.join(root, module), "utf8")
        assert.isTrue(committed === expected, `${module} is stale: run npm run models`)
      }
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("the codegen command writes the module; bad input is a one-line failure", () =>
    Effect.gen(function*() {
      Fs.mkdirSync(work, { recursive: true })
      const out = Path.join(work, "Nb.ts")
      const schemaFile = Path.join(root, "test", "fixtures", "ovn-nb.ovsschema")
      yield* run(["codegen", schemaFile, out])
      assert.strictEqual(Fs.readFileSync(out, "utf8"), yield* generateFromFile(schemaFile))
      assert.include(Fs.readFileSync(out, "utf8"), "import { Model } from \"effect-ovsdb\"")

      // Without OUT, the module goes to standard output; a failure is one line on standard error.
      const printed: Array<string> = []
      const errors: Array<string> = []
      const capture: Console.Console = Object.assign(Object.create(console) as Console.Console, {
        log: (...args: ReadonlyArray<unknown>) => printed.push(args.join(" ")),
        error: (...args: ReadonlyArray<unknown>) => errors.push(args.join(" "))
      })
      const exitCode = process.exitCode
      yield* run(["codegen", schemaFile]).pipe(Effect.provideService(Console.Console, capture))
      yield* run(["codegen", Path.join(work, "missing.ovsschema")]).pipe(
        Effect.provideService(Console.Console, capture)
      )
      const failedWith = process.exitCode
      process.exitCode = exitCode
      assert.deepStrictEqual(printed, [(yield* generateFromFile(schemaFile)).trimEnd()])
      assert.strictEqual(errors.length, 1)
      assert.match(errors[0]!, /^effect-ovsdb: .*missing\.ovsschema/)
      assert.strictEqual(failedWith, 1)

      Fs.writeFileSync(Path.join(work, "not-json.ovsschema"), "{ nope")
      Fs.writeFileSync(Path.join(work, "not-schema.ovsschema"), JSON.stringify({ name: "x", tables: { t: {} } }))
      const failures = yield* Effect.forEach(
        ["missing.ovsschema", "not-json.ovsschema", "not-schema.ovsschema"],
        (file) => Effect.flip(generateFromFile(Path.join(work, file)))
      )
      assert.include(failures[0]!.message, "missing.ovsschema")
      assert.include(failures[1]!.message, "not-json.ovsschema: not JSON")
      assert.deepStrictEqual(failures.map((failure) => "_tag" in failure ? failure._tag : "UsageError"), [
        "PlatformError",
        "UsageError",
        "DatabaseSchemaError"
      ])
    }).pipe(Effect.provide(NodeServices.layer)))
})

const TestLayer = Layer.provideMerge(
  Layer.unwrap(OvsdbServer.use((server) => Effect.succeed(Ovsdb.layer({ remote: server.unix })))),
  OvsdbServer.layer({ databases: ["OVN_Northbound"] })
)

layer(TestLayer, { timeout: 60_000, excludeTestServices: true })("the recorded _Server schema", (it) => {
  it.effect("is what ovsdb-server serves", () =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      const recorded = parse(Fs.readFileSync(Path.join(root, "test", "fixtures", "_server.ovsschema"), "utf8"))
      assert.isTrue(recorded._tag === "Success")
      const fromFile = yield* DatabaseSchema.decode(recorded._tag === "Success" ? recorded.success : null)
      assert.deepStrictEqual(yield* ovsdb.getSchema("_Server"), fromFile)
    }))
})
