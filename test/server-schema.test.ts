// The in-memory server's schemas as ovsdb-server writes them: get_schema of every installed schema
// and of _Server, compared with a real ovsdb-server's reply, members and their order.
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { Json } from "../src/Json.js"
import { readSchemaFile } from "../src/server/Server.js"
import { schemaToJson, SERVER_SCHEMA_PASSES, serverSchema, serverSchemaSource } from "../src/server/serverDatabase.js"
import { OvsdbServer, SCHEMAS } from "./support/OvsdbServer.js"
import { connectUnix } from "./support/rawClient.js"

type Record = { readonly [key: string]: Json }

/** The order of a schema's tables, and of each table's columns, as its JSON lists them. */
const memberOrder = (schema: Json): ReadonlyArray<ReadonlyArray<string>> => {
  const tables = (schema as Record).tables as Record
  return [
    Object.keys(tables),
    ...Object.keys(tables).map((name) => Object.keys((tables[name] as Record).columns as Record))
  ]
}

layer(OvsdbServer.layer({ databases: ["Open_vSwitch", "OVN_Northbound", "OVN_Southbound"] }), {
  timeout: 60_000,
  excludeTestServices: true
})("schemas", (it) => {
  describe("schemaToJson", () => {
    it.effect("writes every installed schema, and _Server's, as ovsdb-server's get_schema does, in its order", () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer
        const raw = yield* connectUnix({ path: server.unixPath })
        const getSchema = (name: string) =>
          Effect.map(raw.call("get_schema", [name]), (received) => (received.at(-1) as Record).result!)
        const names = Object.keys(SCHEMAS) as ReadonlyArray<keyof typeof SCHEMAS>
        for (const name of names) {
          const file = yield* readSchemaFile(SCHEMAS[name])
          const theirs = yield* getSchema(name)
          const ours = schemaToJson(file.schema, file.json)
          assert.deepStrictEqual(ours, theirs, name)
          assert.deepStrictEqual(memberOrder(ours), memberOrder(theirs), `${name}: the order of tables and columns`)
        }
        const theirs = yield* getSchema("_Server")
        const serverJson = schemaToJson(serverSchema, serverSchemaSource, SERVER_SCHEMA_PASSES)
        assert.deepStrictEqual(serverJson, theirs)
        assert.deepStrictEqual(memberOrder(serverJson), memberOrder(theirs))
      })))
  })
})
