// Differential testing of the in-memory engine against ovsdb-server: random sequences of
// transactions over Open_vSwitch, OVN_Northbound and a test schema with every column kind
// (test/fixtures/differential.ovsschema), the same on both, each reply compared after naming UUIDs
// by order of appearance. Prints the seed first; OVSDB_DIFF_SEED=N replays a run,
// OVSDB_DIFF_SEQUENCE=K only its K-th sequence, OVSDB_DIFF_TRANSACTIONS=N sets the count.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Path from "node:path"
import * as DatabaseSchema from "../src/protocol/DatabaseSchema.js"
import * as Differential from "./support/differential.js"
import { OvsdbServer, runTool, SCHEMAS } from "./support/OvsdbServer.js"

const TEST_SCHEMA = Path.join(import.meta.dirname, "fixtures", "differential.ovsschema")

const envNumber = (name: string): number | undefined => {
  const text = process.env[name]
  return text === undefined || text === "" ? undefined : Number(text)
}

const SEED = envNumber("OVSDB_DIFF_SEED") ?? Math.floor(Math.random() * 2 ** 31)
const SEQUENCE = envNumber("OVSDB_DIFF_SEQUENCE")
const TRANSACTIONS = envNumber("OVSDB_DIFF_TRANSACTIONS") ?? 10_000

/** A server serving Open_vSwitch, OVN_Northbound and the test schema's Differential database. */
const startServer = Effect.gen(function*() {
  const server = yield* OvsdbServer.start()
  const file = Path.join(server.dir, "Differential.db")
  yield* runTool("ovsdb-tool", ["create", file, TEST_SCHEMA])
  yield* runTool("ovs-appctl", ["-t", server.ctl, "ovsdb-server/add-db", file])
  return server
})

const schema = (path: string) => Differential.readSchemaJson(path).pipe(Effect.flatMap(DatabaseSchema.decode))

describe("differential", () => {
  it.live("random transactions give the same replies on both targets", () =>
    Effect.gen(function*() {
      console.log(`differential: seed ${SEED}`)
      const databases = yield* Effect.all([
        Effect.map(schema(SCHEMAS.Open_vSwitch), (schema) => ({ name: "Open_vSwitch", schema })),
        Effect.map(schema(SCHEMAS.OVN_Northbound), (schema) => ({ name: "OVN_Northbound", schema })),
        Effect.map(schema(TEST_SCHEMA), (schema) => ({ name: "Differential", schema }))
      ])
      const [first, second] = yield* Effect.all([startServer, startServer], { concurrency: 2 })
      const targets = [
        yield* Differential.serverTarget("ovsdb-server", first.unixPath),
        yield* Differential.serverTarget("second ovsdb-server", second.unixPath)
      ] as const
      const started = Date.now()
      const stats = yield* Differential.run({
        seed: SEED,
        targets,
        databases,
        transactions: SEQUENCE === undefined ? TRANSACTIONS : Infinity,
        sequenceLength: 60,
        onlySequence: SEQUENCE
      })
      const names = [targets[0].name, targets[1].name] as const
      for (const disagreement of stats.disagreements.slice(0, 20)) {
        console.log(Differential.describeDisagreement(disagreement, names))
      }
      console.log(
        `differential: ${stats.transactions} transactions, ${stats.failed} failed on purpose, ${stats.disagreements.length} disagreements`
      )
      console.log(
        `differential: ${stats.generated} generated (${stats.onPurpose} with an invalid part), ${
          stats.transactions - stats.generated
        } dumps, ${Date.now() - started} ms; operations: ${
          [...stats.operations].map(([op, n]) => `${op} ${n}`).join(", ")
        }`
      )
      assert.strictEqual(
        stats.disagreements.length,
        0,
        stats.disagreements.slice(0, 3).map((d) => Differential.describeDisagreement(d, names)).join("\n")
      )
    }), { timeout: 180_000 })
})
