// The in-memory database engine (src/server/Engine.ts): unit tests, and cross-checks that run the same
// raw transactions on a real ovsdb-server and on the engine and compare the replies, with UUIDs named
// by their order of appearance (so that ["uuid","<random>"] becomes ["uuid","#1"] on each side).
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type Json, parse as parseJson } from "../src/Json.js"
import * as Ovsdb from "../src/Ovsdb.js"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"
import * as Engine from "../src/server/Engine.js"
import { OvsdbServer, runTool, SCHEMAS } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"
const VS = "Open_vSwitch"
const ET = "Engine_Test"
const ENGINE_TEST_SCHEMA = new URL("./fixtures/engine-test.ovsschema", import.meta.url).pathname

const readSchemaFile = (path: string): Json => {
  const parsed = parseJson(Fs.readFileSync(path, "utf8"))
  if (parsed._tag === "Failure") throw new Error(`${path}: ${parsed.failure}`)
  return parsed.success
}

const SOURCES: { readonly [db: string]: Json } = {
  [NB]: readSchemaFile(SCHEMAS.OVN_Northbound),
  [VS]: readSchemaFile(SCHEMAS.Open_vSwitch),
  [ET]: readSchemaFile(ENGINE_TEST_SCHEMA)
}

const decodeSchema = (db: string) => Effect.runSync(DatabaseSchema.decode(SOURCES[db]))

const makeEngine = (db: string, options?: Engine.MakeOptions) =>
  Engine.make(decodeSchema(db), { schemaSource: SOURCES[db]!, ...options })

const context = (overrides?: Partial<Engine.TransactContext>): Engine.TransactContext => ({
  hasLock: () => false,
  now: 1_000_000,
  ...overrides
})

// --- comparing replies ---

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/** The reply with each UUID named by its order of appearance (object members walked in name order). */
const nameUuids = (json: Json): Json => {
  const names = new Map<string, string>()
  const name = (uuid: string) => {
    let named = names.get(uuid)
    if (named === undefined) {
      named = `#${names.size + 1}`
      names.set(uuid, named)
    }
    return named
  }
  const walk = (value: Json): Json => {
    if (typeof value === "string") return value.replace(UUID, name)
    if (Array.isArray(value)) return value.map(walk)
    if (value !== null && typeof value === "object") {
      const out: { [key: string]: Json } = {}
      for (const key of Object.keys(value).sort()) out[key] = walk((value as { readonly [key: string]: Json })[key]!)
      return out
    }
    return value
  }
  return walk(json)
}

const text = (json: Json): string =>
  JSON.stringify(json, (_key, value: unknown) => typeof value === "bigint" ? `${value}n` : value)

/** Sorts every select's rows by their text with UUIDs masked: for replies whose row order is random. */
const sortRows = (json: Json): Json => {
  if (Array.isArray(json)) return json.map(sortRows)
  if (json !== null && typeof json === "object") {
    const out: { [key: string]: Json } = {}
    for (const [key, value] of Object.entries(json)) {
      out[key] = key === "rows" && Array.isArray(value)
        ? [...value].sort((a, b) => {
          const x = text(a).replace(UUID, "U")
          const y = text(b).replace(UUID, "U")
          return x < y ? -1 : x > y ? 1 : 0
        })
        : sortRows(value)
    }
    return out
  }
  return json
}

/** How a reply is compared: rows sorted unless their order is the point. */
interface CompareOptions {
  readonly ordered?: boolean
}

const normalize = (json: Json, options?: CompareOptions): Json =>
  nameUuids(options?.ordered === true ? json : sortRows(json))

let comparisons = 0

/** The real server and one engine per database, fed the same transactions. */
interface Pair {
  readonly engines: { readonly [db: string]: Engine.Engine }
  /** Runs a transaction on both; asserts their replies agree; returns the engine's outcome. */
  readonly check: (
    db: string,
    operations: ReadonlyArray<Json>,
    options?: CompareOptions & { readonly context?: Partial<Engine.TransactContext> }
  ) => Effect.Effect<ReadonlyArray<Json>, unknown, Ovsdb.Ovsdb>
}

const makePair = (): Pair => {
  const engines = { [NB]: makeEngine(NB), [VS]: makeEngine(VS), [ET]: makeEngine(ET) }
  const check: Pair["check"] = (db, operations, options) =>
    Effect.gen(function*() {
      const ovsdb = yield* Ovsdb.Ovsdb
      const real = yield* ovsdb.transactJson(db, operations)
      const outcome = engines[db]!.transact(operations, context(options?.context))
      assert.strictEqual(outcome._tag, "Reply", `the engine's outcome: ${text(outcome as unknown as Json)}`)
      const mine = outcome._tag === "Reply" ? outcome.result : []
      comparisons++
      assert.deepStrictEqual(
        text(normalize(mine, options)),
        text(normalize(real, options)),
        `operations: ${text(operations)}`
      )
      return mine
    })
  return { engines, check }
}

const ServerLayer = Layer.effect(
  OvsdbServer,
  Effect.gen(function*() {
    const server = yield* OvsdbServer.start()
    const file = Path.join(server.dir, `${ET}.db`)
    yield* runTool("ovsdb-tool", ["create", file, ENGINE_TEST_SCHEMA])
    yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/add-db", file])
    return server
  })
)
const ClientLayer = Layer.unwrap(
  OvsdbServer.use((server) => Effect.succeed(Ovsdb.layerConnection({ remote: server.unix })))
)
const TestLayer = Layer.provideMerge(ClientLayer, ServerLayer)

layer(TestLayer, { timeout: 120_000, excludeTestServices: true })("the engine against ovsdb-server", (it) => {
  const pair = makePair()
  const check = pair.check

  it.effect("inserts and selects", () =>
    Effect.gen(function*() {
      yield* check(ET, [
        { op: "insert", table: "Root", row: { name: "a", i: 5, r: 0.30000000000000004, real: 1 / 3, s: "x" } },
        { op: "select", table: "Root", where: [["name", "==", "a"]], columns: ["name", "i", "r", "real", "s"] }
      ])
    }))
})

describe("the engine alone", () => {
  it("starts empty", () => {
    const engine = makeEngine(ET)
    assert.deepStrictEqual([...engine.rows("Root")], [])
  })
})

it("counts cross-checks", () => {
  assert.isAtLeast(comparisons, 0)
})
