// The Prometheus example, scraped over HTTP while it reads a real clustered ovsdb-server.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Exporter from "../examples/metrics-exporter.js"
import * as Appctl from "../src/Appctl.js"
import { OvsdbServer, runTool } from "./support/OvsdbServer.js"

describe("metrics exporter example", () => {
  it.live(
    "serves cluster, coverage and memory figures in the Prometheus text format",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* OvsdbServer.start({ databases: ["OVN_Northbound"], clustered: true })
        const context = yield* Layer.build(Exporter.layer({ socket: server.ctl, databases: ["OVN_Northbound"] }, 0))
        const address = Context.get(context, HttpServer.HttpServer).address
        assert.strictEqual(address._tag, "InetAddressV4")
        const port = address._tag === "InetAddressV4" ? address.port : 0
        const scrape = Effect.promise(async () => {
          const response = await fetch(`http://127.0.0.1:${port}/metrics`)
          return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
        })
        // A new daemon publishes its coverage counters once a second: scrape until they are there.
        let scraped = yield* scrape
        for (let i = 0; i < 50 && !scraped.text.includes("ovsdb_coverage_total{"); i++) {
          yield* Effect.sleep("100 millis")
          scraped = yield* scrape
        }
        assert.strictEqual(scraped.status, 200)
        assert.match(scraped.type ?? "", /^text\/plain/)
        const text = scraped.text

        assert.include(text, "ovsdb_cluster_role{db=\"OVN_Northbound\",role=\"leader\"} 1")
        assert.match(text, /^ovsdb_cluster_term\{db="OVN_Northbound"\} [1-9]\d*$/m)
        const status = yield* runTool("ovs-appctl", ["-t", server.ctl, "cluster/status", "OVN_Northbound"])
        const [, first, last] = /Log: \[(\d+), (\d+)\]/.exec(status)!
        assert.include(text, `ovsdb_cluster_log_first_index{db="OVN_Northbound"} ${first}`)
        assert.include(text, `ovsdb_cluster_log_last_index{db="OVN_Northbound"} ${last}`)
        assert.match(text, /^ovsdb_coverage_total\{counter="[a-z_0-9]+"\} \d+$/m)
        assert.match(text, /^ovsdb_memory\{name="cells"\} \d+$/m)
        assert.include(text, "# TYPE ovsdb_coverage_total counter")
        // Every line is a comment or a sample.
        for (const line of text.trimEnd().split("\n")) {
          assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+\{[^}]*\} \d+)$/)
        }
      })),
    60_000
  )

  it.effect("reports each peer's connectivity, from a 3-member cluster's recorded status", () =>
    Effect.gen(function*() {
      const fixture = (name: string) =>
        Fs.readFileSync(Path.join(import.meta.dirname, "fixtures", "appctl", name), "utf8")
      const outputs: { readonly [command: string]: string } = {
        "cluster/status": fixture("cluster-status-leader-member-down.txt"),
        "coverage/show": fixture("coverage-show.txt"),
        "memory/show": fixture("memory-show-clustered.txt")
      }
      const recorded = Layer.succeed(Appctl.Appctl, {
        socket: "recorded",
        call: (command) => Effect.succeed(outputs[command] ?? "")
      })
      const text = yield* Exporter.render(["OVN_Northbound"]).pipe(Effect.provide(recorded))
      assert.include(
        text,
        "ovsdb_cluster_peer_connected{db=\"OVN_Northbound\",peer=\"685e\",address=\"tcp:127.0.0.1:47102\"} 1"
      )
      assert.include(
        text,
        "ovsdb_cluster_peer_connected{db=\"OVN_Northbound\",peer=\"fb93\",address=\"tcp:127.0.0.1:47103\"} 0"
      )
      assert.include(text, "ovsdb_cluster_disconnections{db=\"OVN_Northbound\"} 1")
      assert.include(text, "ovsdb_memory{name=\"raft-log\"} 1")
    }))
})
