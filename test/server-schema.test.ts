// The in-memory server's schemas as ovsdb-server writes them: get_schema of every installed schema
// and of _Server, compared with a real ovsdb-server's reply.
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as Ovsdb from "../src/Ovsdb.js"
import { readSchema } from "../src/server/Server.js"
import { schemaToJson, serverSchema } from "../src/server/serverDatabase.js"
import { OvsdbServer, SCHEMAS } from "./support/OvsdbServer.js"

layer(OvsdbServer.layer({ databases: ["Open_vSwitch", "OVN_Northbound", "OVN_Southbound"] }), {
  timeout: 60_000,
  excludeTestServices: true
})("schemas", (it) => {
  describe("schemaToJson", () => {
    it.effect("writes every installed schema, and _Server's, as ovsdb-server's get_schema does", () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer
        const ovsdb = Context.get(yield* Layer.build(Ovsdb.layerConnection({ remote: server.unix })), Ovsdb.Ovsdb)
        const names = Object.keys(SCHEMAS) as ReadonlyArray<keyof typeof SCHEMAS>
        for (const name of names) {
          const schema = yield* readSchema(SCHEMAS[name])
          assert.deepStrictEqual(schemaToJson(schema), yield* ovsdb.getSchemaJson(name), name)
        }
        assert.deepStrictEqual(schemaToJson(serverSchema), yield* ovsdb.getSchemaJson("_Server"))
      })))
  })
})
