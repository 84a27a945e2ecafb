/**
 * A Prometheus metrics endpoint for ovsdb-server, the job ovn_exporter does, read through the
 * Appctl layer: cluster role, term, log indexes and peer connectivity (`cluster/status`), coverage
 * totals (`coverage/show`) and memory figures (`memory/show`).
 *
 *   node dist/examples/metrics-exporter.js /var/run/ovn/ovnnb_db.ctl OVN_Northbound 9476
 *   curl http://127.0.0.1:9476/metrics
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import * as Http from "node:http"
import { fileURLToPath } from "node:url"
import * as Appctl from "../src/Appctl.js"

/** What to read: a daemon's control socket and the clustered databases it serves. */
export interface Target {
  readonly socket: string
  readonly databases: ReadonlyArray<string>
}

/** A label value, escaped as the Prometheus text format wants it. */
const label = (value: string) => JSON.stringify(value)

/** One metric family: its help, type, and samples `[labels, value]`. */
const family = (
  name: string,
  help: string,
  type: "gauge" | "counter",
  samples: ReadonlyArray<readonly [labels: string, value: number | bigint]>
) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([l, v]) => `${name}${l} ${v}`)]

/** Reads the daemon and renders the metrics in the Prometheus text format. */
export const render = (databases: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const statuses = yield* Effect.forEach(databases, (db) => Appctl.clusterStatus(db))
    const coverage = yield* Appctl.coverageShow
    const memory = yield* Appctl.memoryShow
    const per = <A extends number | bigint>(read: (s: (typeof statuses)[number]) => A) =>
      statuses.map((s) => [`{db=${label(s.name)}}`, read(s)] as const)
    const lines = [
      ...family(
        "ovsdb_cluster_role",
        "This server's Raft role (1 for the role it has).",
        "gauge",
        statuses.map((s) => [`{db=${label(s.name)},role=${label(s.role)}}`, 1] as const)
      ),
      ...family("ovsdb_cluster_term", "The current Raft term.", "gauge", per((s) => s.term)),
      ...family("ovsdb_cluster_log_first_index", "The first index of the Raft log.", "gauge", per((s) => s.log.first)),
      ...family("ovsdb_cluster_log_last_index", "The last index of the Raft log.", "gauge", per((s) => s.log.last)),
      ...family(
        "ovsdb_cluster_entries_not_committed",
        "Log entries not yet committed.",
        "gauge",
        per((s) => s.entriesNotCommitted)
      ),
      ...family(
        "ovsdb_cluster_entries_not_applied",
        "Log entries not yet applied.",
        "gauge",
        per((s) => s.entriesNotApplied)
      ),
      ...family("ovsdb_cluster_disconnections", "Raft disconnections so far.", "counter", per((s) => s.disconnections)),
      ...family(
        "ovsdb_cluster_peer_connected",
        "Whether a working Raft connection to the peer exists (1) or not (0).",
        "gauge",
        statuses.flatMap((s) =>
          s.servers.filter((server) => !server.self).map((server) =>
            [
              `{db=${label(s.name)},peer=${label(server.sid)},address=${label(server.address)}}`,
              s.connections.some((c) => c.nickname === server.nickname && !c.failed) ? 1 : 0
            ] as const
          )
        )
      ),
      ...family(
        "ovsdb_coverage_total",
        "Coverage counter totals since the daemon started.",
        "counter",
        coverage.counters.map((c) => [`{counter=${label(c.name)}}`, c.total] as const)
      ),
      ...family(
        "ovsdb_memory",
        "The daemon's memory/show figures.",
        "gauge",
        Object.entries(memory).map(([name, value]) => [`{name=${label(name)}}`, value] as const)
      )
    ]
    return `${lines.join("\n")}\n`
  })

/** The `/metrics` route, read fresh on every scrape. */
export const MetricsRoute = (target: Target) =>
  HttpRouter.add(
    "GET",
    "/metrics",
    render(target.databases).pipe(
      Effect.provide(Appctl.layer({ target: target.socket })),
      Effect.map((text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" })),
      Effect.catch((error) => Effect.succeed(HttpServerResponse.text(`${error.message}\n`, { status: 503 })))
    )
  )

/** The exporter as a layer: an HTTP server on `port` serving `/metrics`. */
export const layer = (target: Target, port: number) =>
  HttpRouter.serve(MetricsRoute(target), { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => Http.createServer(), { port, host: "127.0.0.1" }))
  )

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [socket, databases = "OVN_Northbound", port = "9476"] = process.argv.slice(2)
  if (socket === undefined) {
    console.error("usage: metrics-exporter CONTROL_SOCKET [DB,DB…] [PORT]")
    process.exitCode = 2
  } else {
    Layer.launch(layer({ socket, databases: databases.split(",") }, Number(port))).pipe(NodeRuntime.runMain)
  }
}
