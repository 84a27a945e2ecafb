// The resilient session against real 3-member Raft clusters of ovsdb-server: leader-only whatever
// the order of the remotes; monitors that resume with the last transaction id, or reset when the
// server no longer has the changes; conditions changed across a disconnect; stale and disconnected
// members refused, with a backoff between passes; the inactivity probe against a stopped leader;
// transactions cut off by a kill; a converted database; and monitors and locks that survive kill -9
// of the leader, again and again.
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Duration, Effect, Exit, Fiber, Layer, Schedule, Stream } from "effect"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Ovsdb from "../src/Ovsdb.js"
import type * as Monitor from "../src/protocol/Monitor.js"
import * as Op from "../src/protocol/Operation.js"
import { RpcClient } from "../src/RpcClient.js"
import * as Session from "../src/Session.js"
import { eventually } from "./support/eventually.js"
import { byOutcome } from "./support/outcomes.js"
import { type Cluster, type Member, OvsdbCluster } from "./support/OvsdbCluster.js"
import { pause, runTool, SCHEMAS } from "./support/OvsdbServer.js"

const NB = "OVN_Northbound"

/** A session over `remote`, open for the current scope. */
const open = (options: Session.Options) =>
  Effect.map(Layer.build(Session.layer(options)), (context) => Context.get(context, Session.Session))

/** Waits (at most 30 s) until the session's state is `Ready`; returns its remote. */
const whenReady = (session: Session.Session["Service"], not?: string) =>
  session.changes.pipe(
    Stream.filter((status) => status.state._tag === "Ready" && status.remote !== not),
    Stream.runHead,
    Effect.flatMap(Effect.fromOption),
    Effect.map((status) => status.remote!),
    Effect.timeoutOrElse({ duration: "30 seconds", orElse: () => Effect.die("the session did not become ready") })
  )

/** Waits (at most 30 s) until the session is not ready: it noticed that its connection ended. */
const notReady = (session: Session.Session["Service"]) =>
  session.changes.pipe(
    Stream.filter((status) => status.state._tag !== "Ready"),
    Stream.runHead,
    Effect.timeoutOrElse({ duration: "30 seconds", orElse: () => Effect.die("the session stayed ready") })
  )

/** Waits (at most 30 s) until the session is ready again after its `n`th reconnect. */
const reconnected = (session: Session.Session["Service"], n: number) =>
  session.changes.pipe(
    Stream.filter((status) => status.state._tag === "Ready" && status.reconnects >= n),
    Stream.runHead,
    Effect.flatMap(Effect.fromOption),
    Effect.timeoutOrElse({
      duration: "30 seconds",
      orElse: () => Effect.die(`the session did not reconnect ${n} times`)
    })
  )

/** The unix remote of the cluster's current leader. */
const leaderRemote = (cluster: Cluster) => Effect.map(cluster.leader, (i) => cluster.members[i]!.unix)

/** The Ovsdb API over the session's rpc. */
const api = (session: Session.Session["Service"]) => Ovsdb.make().pipe(Effect.provideService(RpcClient, session.rpc))

/** A backoff fast enough for tests that wait through several passes. */
const FAST_BACKOFF = Schedule.spaced("100 millis")

/** DEFAULT_BACKOFF at a tenth of its pace: 100, 200, 400, 800 ms, then 800 ms. */
const TENTH_BACKOFF = Schedule.min([Schedule.exponential("100 millis", 2), Schedule.spaced("800 millis")])

/** `ovs-appctl` on a member. */
const appctl = (member: Member, ...args: ReadonlyArray<string>) =>
  runTool("ovs-appctl", ["--timeout=5", "-t", member.ctl, ...args])

/**
 * Takes the member's unix socket away (ovsdb-server closes every connection made through it and
 * removes the socket) until `back`: the member keeps running, and keeps its history.
 */
const away = (member: Member) => appctl(member, "ovsdb-server/remove-remote", `punix:${member.unixPath}`)
const back = (member: Member) => appctl(member, "ovsdb-server/add-remote", `punix:${member.unixPath}`)

/** A unix-socket proxy in front of a member, to cut or hold a connection at an exact message. */
interface Proxy {
  /** `unix:PATH` of the proxy. */
  readonly remote: string
  /** Cuts every connection now, and every new one at once, until `open`. */
  readonly block: Effect.Effect<void>
  readonly open: Effect.Effect<void>
  /** The next time a client sends a message containing `text`, cuts its connection before the server sees it. */
  readonly dropOn: (text: string) => Effect.Effect<void>
  /** The next time a client sends a message containing `text`, holds it (and what follows) back until `release`. */
  readonly holdOn: (text: string) => Effect.Effect<void>
  /** Whether something is held back. */
  readonly holding: Effect.Effect<boolean>
  readonly release: Effect.Effect<void>
}

/**
 * Starts a proxy (for the current scope) from a socket in `dir` to the member's unix socket. It
 * matches the text a client sends within each read (and the end of the one before), which is
 * enough for the session's small requests.
 */
const proxyTo = (dir: string, member: Member) =>
  Effect.gen(function*() {
    const path = Path.join(dir, `proxy-${member.name}.sock`)
    const sockets = new Set<Net.Socket>()
    let blocked = false
    let dropText: string | undefined
    let holdText: string | undefined
    let held: { readonly upstream: Net.Socket; readonly chunks: Array<Buffer> } | undefined
    const cutAll = () => {
      for (const socket of sockets) socket.destroy()
      sockets.clear()
      held = undefined
    }
    const serve = (client: Net.Socket) => {
      if (blocked) return client.destroy()
      const upstream = Net.createConnection({ path: member.unixPath })
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on("error", () => undefined)
        socket.on("close", () => {
          client.destroy()
          upstream.destroy()
        })
      }
      upstream.on("data", (chunk: Buffer) => client.write(chunk))
      let tail = ""
      client.on("data", (chunk: Buffer) => {
        const text = tail + chunk.toString("latin1")
        tail = text.slice(-64)
        if (held?.upstream === upstream) return void held.chunks.push(chunk)
        if (dropText !== undefined && text.includes(dropText)) {
          dropText = undefined
          client.destroy()
          return upstream.destroy()
        }
        if (holdText !== undefined && text.includes(holdText)) {
          holdText = undefined
          held = { upstream, chunks: [chunk] }
          return
        }
        upstream.write(chunk)
      })
    }
    yield* Effect.acquireRelease(
      Effect.callback<Net.Server>((resume) => {
        const server = Net.createServer(serve)
        server.listen(path, () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          cutAll()
          server.close(() => resume(Effect.void))
        })
    )
    return {
      remote: `unix:${path}`,
      block: Effect.sync(() => {
        blocked = true
        cutAll()
      }),
      open: Effect.sync(() => {
        blocked = false
      }),
      dropOn: (text) => Effect.sync(() => (dropText = text)),
      holdOn: (text) => Effect.sync(() => (holdText = text)),
      holding: Effect.sync(() => held !== undefined),
      release: Effect.sync(() => {
        const was = held
        held = undefined
        for (const chunk of was?.chunks ?? []) was?.upstream.write(chunk)
      })
    } satisfies Proxy
  })

/**
 * What a monitor shows, kept as its events say: rows by UUID (with their `name`), and every reset
 * with its reason.
 */
const follow = (monitor: Session.LiveMonitor) =>
  Effect.gen(function*() {
    const rows = new Map<string, string>()
    const resets: Array<string> = []
    let events = 0
    const apply = (changes: ReadonlyArray<Monitor.RowUpdate>) => {
      for (const change of changes) {
        const uuid = change.uuid.value
        if (change._tag === "Delete") rows.delete(uuid)
        else if (change._tag === "Modify") {
          const name = change.diff?.name ?? change.row?.name
          if (name !== undefined) rows.set(uuid, String(name))
        } else rows.set(uuid, String(change.row.name ?? ""))
      }
    }
    apply(monitor.initial)
    yield* Effect.forkChild(Stream.runForEach(monitor.updates, (event) =>
      Effect.sync(() => {
        events++
        if ("_tag" in event && event._tag === "Reset") {
          resets.push(event.reason)
          rows.clear()
        }
        apply(event.changes)
      })))
    return {
      /** The rows as `uuid=name`, sorted. */
      rows: () => [...rows].map(([uuid, name]) => `${uuid}=${name}`).sort(),
      resets,
      events: () => events
    }
  })

/** The rows of `table` whose name `matches`, as `uuid=name`, sorted, read in a transaction. */
const stored = (ovsdb: Ovsdb.Ovsdb["Service"], table: string, matches: (name: string) => boolean = () => true) =>
  Effect.map(
    ovsdb.transact(NB, Op.select(table, [], ["_uuid", "name"])),
    ([{ rows }]) =>
      rows.filter((row) => matches(String(row.name))).map((row) => `${String(row._uuid)}=${String(row.name)}`).sort()
  )

/**
 * ovsdb-server keeps the history monitor_cond_since resumes from for at most 100 transactions,
 * and for no more atoms than the database holds: an address set of 2,000 addresses makes room for
 * the history of the small transactions these tests commit.
 */
const ballast = (ovsdb: Ovsdb.Ovsdb["Service"]) =>
  ovsdb.transact(
    NB,
    Op.insert("Address_Set", {
      name: "ballast",
      addresses: Array.from({ length: 2000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`)
    })
  )

/** Waits until the monitor shows what the server stores, then checks it once more. */
const converges = (
  shown: { readonly rows: () => ReadonlyArray<string> },
  ovsdb: Ovsdb.Ovsdb["Service"],
  table: string,
  matches?: (name: string) => boolean
) =>
  Effect.gen(function*() {
    let expected: ReadonlyArray<string> = []
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      expected = yield* stored(ovsdb, table, matches)
      if (JSON.stringify(shown.rows()) === JSON.stringify(expected)) break
      yield* pause(50)
    }
    assert.deepStrictEqual(shown.rows(), expected, "the monitor's rows are the server's")
    return expected
  })

describe("leader-only", () => {
  it.live(
    "whatever the order of the remotes, the session ends up on the leader, within one pass",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = yield* cluster.leader
        const others = cluster.members.filter((m) => m.index !== leader).map((m) => m.unix)
        // The leader last: each follower is tried once and refused, with no backoff in between.
        const remote = [...others, cluster.members[leader]!.unix].join(",")
        const session = yield* open({ remote, database: NB, shuffle: false })
        const states: Array<string> = []
        yield* Effect.forkChild(Stream.runForEach(session.changes, (s) => Effect.sync(() => states.push(s.state._tag))))
        assert.strictEqual(yield* whenReady(session), cluster.members[leader]!.unix)
        assert.notInclude(states, "Backoff")
        const status = yield* session.status
        assert.strictEqual(status.state._tag, "Ready")
        assert.match(status.lastDisconnect ?? "", /not the cluster leader/)
      }),
    120_000
  )
})

describe("failover", () => {
  it.live(
    "kill -9 of the leader, five times: the monitor sees every committed change exactly once, and the lock comes back",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        // Kills 600 ms apart are shorter lives than the default backoff's 1, 2, 4, 8 s: each would
        // wait longer, as Open vSwitch's would. A tenth of it keeps the test short.
        const watcher = yield* open({ remote: cluster.unix, database: NB, backoff: TENTH_BACKOFF })
        const writer = yield* open({ remote: cluster.unix, database: NB, backoff: TENTH_BACKOFF })
        yield* whenReady(watcher)
        const ovsdb = yield* api(writer)

        const monitor = yield* watcher.monitor(NB, { Address_Set: { columns: ["name"] } })
        assert.deepStrictEqual(monitor.initial, [])
        const seen: Array<string> = []
        const resets: Array<string> = []
        yield* Effect.forkChild(Stream.runForEach(monitor.updates, (event) =>
          Effect.sync(() => {
            if ("_tag" in event && event._tag === "Reset") resets.push(event.reason)
            for (const change of event.changes) {
              if (change._tag === "Insert") seen.push(String(change.row.name))
            }
          })))

        const lock = yield* watcher.lock("leader_work")
        const lockChanges: Array<string> = []
        yield* Effect.forkChild(Stream.runForEach(lock.changes, (c) => Effect.sync(() => lockChanges.push(c))))

        // A writer commits every 100 ms, across the kills; a reply never seen is outcome unknown.
        const committed: Array<string> = []
        const unknown: Array<string> = []
        let n = 0
        const writing = yield* Effect.forkChild(Effect.forever(
          Effect.gen(function*() {
            const name = `w${n++}`
            const exit = yield* Effect.exit(ovsdb.transact(NB, Op.insert("Address_Set", { name })))
            if (Exit.isSuccess(exit)) committed.push(name)
            else unknown.push(name)
            yield* Effect.sleep("100 millis")
          })
        ))
        const kills = 5
        for (let kill = 0; kill < kills; kill++) {
          yield* Effect.sleep("600 millis")
          const before = yield* leaderRemote(cluster)
          const i = cluster.members.findIndex((m) => m.unix === before)
          yield* cluster.kill(i)
          yield* whenReady(watcher, before)
          yield* cluster.restart(i)
        }
        yield* Effect.sleep("600 millis")
        yield* Fiber.interrupt(writing)

        // What the database holds now, read through the writer's session.
        const [{ rows }] = yield* ovsdb.transact(NB, Op.select("Address_Set", [], ["name"]))
        const stored = rows.map((row) => String(row.name)).sort()
        yield* Effect.gen(function*() {
          for (let i = 0; i < 100 && seen.length < stored.length; i++) yield* Effect.sleep("50 millis")
        })
        assert.deepStrictEqual([...seen].sort(), stored, "the monitor saw every stored row exactly once")
        for (const name of committed) assert.include(stored, name)
        assert.deepStrictEqual(resets, [], "the server still had the history: no reset")
        assert.isTrue(yield* lock.held)
        assert.includeMembers(lockChanges, ["lost", "held"])
        const status = yield* watcher.status
        console.log(
          `${kills} leader kills: ${seen.length} rows seen once each, ${committed.length} committed, ` +
            `${unknown.length} of unknown outcome; ${status.reconnects} reconnects; lock ${lockChanges.join(", ")}`
        )
        assert.isAtLeast(status.reconnects, kills)
      }),
    180_000
  )
})

describe("monitors across a disconnect", () => {
  it.live(
    "more than the server's history committed while away: exactly one reset, then the server's rows",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!
        const session = yield* open({ remote: leader.unix, database: NB, backoff: FAST_BACKOFF })
        // The writer reaches the same leader by TCP, which stays open while the unix socket is away.
        const writer = yield* api(yield* open({ remote: leader.tcp, database: NB }))
        yield* ballast(writer)
        yield* writer.transact(
          NB,
          Op.insert("Logical_Switch", { name: "kept" }),
          Op.insert("Logical_Switch", { name: "gone" })
        )
        const shown = yield* follow(yield* session.monitor(NB, { Logical_Switch: { columns: ["name"] } }))
        yield* converges(shown, writer, "Logical_Switch")
        const commitAway = (count: number, prefix: string) =>
          Effect.forEach(
            Array.from({ length: count }, (_, i) => i),
            (i) => writer.transact(NB, Op.insert("Logical_Switch", { name: `${prefix}${i}` })),
            { concurrency: 8, discard: true }
          )

        // 20 transactions while away: the server still has them, the monitor resumes.
        yield* away(leader)
        yield* writer.transact(NB, Op.delete_("Logical_Switch", [Op.where("name", "==", "gone")]))
        yield* commitAway(19, "few")
        yield* back(leader)
        yield* reconnected(session, 1)
        yield* converges(shown, writer, "Logical_Switch")
        assert.deepStrictEqual(shown.resets, [], "20 transactions are within the history: no reset")

        // 150 while away: ovsdb-server keeps about 100 transactions for monitor_cond_since.
        yield* away(leader)
        yield* writer.transact(NB, Op.update("Logical_Switch", [Op.where("name", "==", "kept")], { name: "renamed" }))
        yield* writer.transact(NB, Op.delete_("Logical_Switch", [Op.where("name", "==", "few0")]))
        yield* commitAway(148, "many")
        yield* back(leader)
        yield* reconnected(session, 2)

        const rows = yield* converges(shown, writer, "Logical_Switch")
        console.log(`${rows.length} rows after the second reconnect; resets: ${JSON.stringify(shown.resets)}`)
        assert.strictEqual(rows.length, 1 + 18 + 148)
        assert.deepStrictEqual(shown.resets, ["the server no longer had the changes missed"], "exactly one reset")
        // Later changes stream on as updates.
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "after" }))
        yield* converges(shown, writer, "Logical_Switch")
        assert.strictEqual(shown.resets.length, 1)
      }),
    120_000
  )

  it.live(
    "the last id comes from the reply: away before any update, back, away again at once, back: no reset, the server's rows",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!
        const session = yield* open({ remote: leader.unix, database: NB, backoff: FAST_BACKOFF })
        const writer = yield* api(yield* open({ remote: leader.tcp, database: NB }))
        yield* ballast(writer)
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "first" }))
        const monitor = yield* session.monitor(NB, { Logical_Switch: { columns: ["name"] } })
        const shown = yield* follow(monitor)
        const fromReply = yield* monitor.lastTxnId
        assert.isDefined(fromReply, "the monitor's reply gave the last id")

        // Away before any update3: the only last id the session has is the reply's.
        yield* away(leader)
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "second" }))
        yield* writer.transact(NB, Op.update("Logical_Switch", [Op.where("name", "==", "first")], { name: "first'" }))
        yield* back(leader)
        yield* reconnected(session, 1)
        const afterFirst = yield* monitor.lastTxnId
        // Away again at once: no update3 came on that connection either; its last id is its reply's.
        yield* away(leader)
        yield* writer.transact(NB, Op.delete_("Logical_Switch", [Op.where("name", "==", "second")]))
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "third" }))
        yield* back(leader)
        yield* reconnected(session, 2)

        const rows = yield* converges(shown, writer, "Logical_Switch")
        console.log(`last ids: ${fromReply} (first reply), ${afterFirst} (second reply); rows ${rows.join(" ")}`)
        assert.notStrictEqual(afterFirst, fromReply, "the second connection's reply moved the last id on")
        assert.deepStrictEqual(rows.map((row) => row.split("=")[1]).sort(), ["first'", "third"])
        assert.deepStrictEqual(shown.resets, [], "both reconnects resumed (found: true): no reset")
        assert.isAtLeast(shown.events(), 2, "the missed changes came as updates")
      }),
    120_000
  )
})

describe("conditions changed across a disconnect", () => {
  /** The monitor's `where` for the switches named `${letter}1` and `${letter}2` (a disjunction). */
  const group = (letter: string) => ({
    Logical_Switch: { where: [Op.where("name", "==", `${letter}1`), Op.where("name", "==", `${letter}2`)] }
  })
  const inGroup = (letter: string) => (name: string) => name === `${letter}1` || name === `${letter}2`

  it.live(
    "changed while away, cut off in flight, changed while restoring, cut off while changing: the right rows every time",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!
        const proxy = yield* proxyTo(cluster.dir, leader)
        const session = yield* open({ remote: proxy.remote, database: NB, backoff: FAST_BACKOFF })
        const writer = yield* api(yield* open({ remote: leader.tcp, database: NB }))
        yield* ballast(writer)
        yield* writer.transact(
          NB,
          ...["a1", "a2", "b1", "b2", "c1", "c2", "other"].map((name) => Op.insert("Logical_Switch", { name }))
        )
        const monitor = yield* session.monitor(NB, {
          Logical_Switch: { columns: ["name"], ...group("a").Logical_Switch }
        })
        const shown = yield* follow(monitor)
        yield* converges(shown, writer, "Logical_Switch", inGroup("a"))
        let reconnects = 0
        const report: Array<string> = []
        const settled = (letter: string, what: string) =>
          Effect.gen(function*() {
            const rows = yield* converges(shown, writer, "Logical_Switch", inGroup(letter))
            report.push(`${what}: ${rows.length} rows, ${shown.resets.length} resets so far`)
          })

        // 1. Changed while the session is away: the next connection asks with the new conditions.
        yield* proxy.block
        yield* notReady(session)
        yield* monitor.change(group("b"))
        yield* writer.transact(NB, Op.update("Logical_Switch", [Op.where("name", "==", "a1")], { name: "a1" }))
        yield* proxy.open
        yield* reconnected(session, ++reconnects)
        yield* settled("b", "changed while away")

        // 2. Changed while away, and the next connection cut off just as it asks for the monitor:
        // the change is still unanswered, so the connection after must not resume from the old id.
        yield* proxy.block
        yield* notReady(session)
        yield* monitor.change(group("c"))
        yield* proxy.dropOn("monitor_cond_since")
        yield* proxy.open
        yield* reconnected(session, ++reconnects)
        yield* settled("c", "changed while away, then cut off asking for the monitor")

        // 3. Changed while the session restores the monitor with the conditions it had.
        yield* proxy.block
        yield* notReady(session)
        yield* proxy.holdOn("monitor_cond_since")
        yield* proxy.open
        yield* eventually("the monitor's request to be held", proxy.holding)
        assert.strictEqual((yield* session.status).state._tag, "Restoring")
        yield* monitor.change(group("a"))
        yield* proxy.release
        yield* reconnected(session, ++reconnects)
        yield* settled("a", "changed while restoring")

        // 4. Changed on a ready connection that is cut off before the change reaches the server.
        yield* proxy.dropOn("monitor_cond_change")
        yield* monitor.change(group("b"))
        yield* reconnected(session, ++reconnects)
        yield* settled("b", "cut off while changing")

        // 5. Changed on a ready connection, answered; then away and back: the monitor resumes.
        yield* monitor.change(group("c"))
        yield* settled("c", "changed while ready")
        const resets = shown.resets.length
        yield* proxy.block
        yield* notReady(session)
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "c2" }))
        yield* proxy.open
        yield* reconnected(session, ++reconnects)
        yield* settled("c", "away and back")
        assert.strictEqual(shown.resets.length, resets, "no reset when no change was in flight")

        // 6. A change the server refuses fails, and leaves the monitor as it was, on this connection and the next.
        const refused = yield* Effect.flip(
          monitor.change({ Logical_Switch: { where: [Op.where("no_such_column", "==", "x")] } })
        )
        report.push(`refused change: ${refused.message}`)
        assert.strictEqual(refused._tag, "RpcError")
        yield* proxy.block
        yield* notReady(session)
        yield* proxy.open
        yield* reconnected(session, ++reconnects)
        yield* writer.transact(NB, Op.delete_("Logical_Switch", [Op.where("name", "==", "c1")]))
        yield* settled("c", "after a refused change, away and back")
        assert.strictEqual(shown.resets.length, resets, "the refused change left nothing in flight")
        console.log(`${report.join("\n")}\nresets: ${JSON.stringify(shown.resets)}`)
      }),
    120_000
  )
})

describe("a converted database", () => {
  it.live(
    "ovsdb-client convert: the server cancels the monitor, the session reads its rows again (one reset) and streams on",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!
        const session = yield* open({ remote: cluster.unix, database: NB })
        const writer = yield* api(yield* open({ remote: cluster.unix, database: NB }))
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "before" }))
        const shown = yield* follow(yield* session.monitor(NB, { Logical_Switch: { columns: ["name"] } }))
        yield* converges(shown, writer, "Logical_Switch")

        // Online conversion of the clustered database, to the same schema.
        yield* runTool("ovsdb-client", ["convert", leader.unix, SCHEMAS[NB]])
        yield* eventually("the reset after the conversion", Effect.sync(() => shown.resets.length > 0))
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "after" }))
        const rows = yield* converges(shown, writer, "Logical_Switch")
        const status = yield* session.status
        console.log(
          `after convert: resets ${JSON.stringify(shown.resets)}; rows ${rows.length}; ` +
            `reconnects ${status.reconnects}; last disconnect ${status.lastDisconnect}`
        )
        assert.deepStrictEqual(rows.map((row) => row.split("=")[1]).sort(), ["after", "before"])
        assert.strictEqual(shown.resets.length, 1, "exactly one reset")
        assert.match(shown.resets[0]!, /canceled/)
        assert.strictEqual(status.reconnects, 0, "read again on the same connection")
      }),
    120_000
  )

  it.live(
    "converted to a schema without a column a monitor watches, online or while away: that monitor fails with MonitorCanceled, the session goes on",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!
        const session = yield* open({ remote: cluster.unix, database: NB, backoff: FAST_BACKOFF })
        const ovsdb = yield* api(session)
        const watching = (column: string) =>
          Effect.flatMap(
            session.monitor(NB, { Logical_Switch: { columns: ["name", column] } }),
            (monitor) => Effect.forkChild(Stream.runDrain(monitor.updates))
          )
        const online = yield* watching("other_config")
        const atReconnect = yield* watching("external_ids")
        const kept = yield* follow(yield* session.monitor(NB, { Logical_Switch: { columns: ["name"] } }))

        /** Converts the database to its schema without some of Logical_Switch's columns, through `remote`. */
        const convertWithout = (remote: string, ...columns: ReadonlyArray<string>) => {
          const schema = JSON.parse(Fs.readFileSync(SCHEMAS[NB], "utf8")) as {
            tables: { Logical_Switch: { columns: { [column: string]: unknown } } }
          }
          for (const column of columns) delete schema.tables.Logical_Switch.columns[column]
          const file = Path.join(cluster.dir, `without-${columns.join("-")}.ovsschema`)
          Fs.writeFileSync(file, JSON.stringify(schema))
          return runTool("ovsdb-client", ["convert", remote, file])
        }
        const endsCanceled = (fiber: Fiber.Fiber<void, unknown>, what: string) =>
          Effect.gen(function*() {
            const exit = yield* Fiber.await(fiber).pipe(
              Effect.timeoutOrElse({
                duration: "10 seconds",
                orElse: () => Effect.die(`${what}: the stream did not end`)
              })
            )
            const error = Exit.isFailure(exit)
              ? Cause.squash(exit.cause) as { _tag: string; message: string }
              : undefined
            console.log(`${what}: the monitor's stream ended with ${error?.message ?? "success"}`)
            assert.strictEqual(error?._tag, "MonitorCanceled", what)
          })

        // Online: the server cancels the monitors; the one it no longer takes fails.
        yield* convertWithout(leader.unix, "other_config")
        yield* endsCanceled(online, "converted online")

        // While the session is away: the monitor is refused at the reconnect, and the session is ready all the same.
        yield* away(leader)
        yield* notReady(session)
        yield* convertWithout(leader.tcp, "other_config", "external_ids")
        yield* back(leader)
        yield* whenReady(session)
        yield* endsCanceled(atReconnect, "converted while away")

        // The session goes on, and so does the monitor the new schema still takes.
        yield* ovsdb.transact(NB, Op.insert("Logical_Switch", { name: "after" }))
        yield* converges(kept, ovsdb, "Logical_Switch")
        assert.strictEqual((yield* session.status).state._tag, "Ready")
      }),
    120_000
  )
})

describe("members refused, and the backoff between passes", () => {
  it.effect("DEFAULT_BACKOFF, as Open vSwitch's: 1, 2, 4, 8 s, then 8 s", () =>
    Effect.gen(function*() {
      const step = yield* Schedule.toStep(Session.DEFAULT_BACKOFF)
      const delays: Array<number> = []
      for (let i = 0; i < 6; i++) {
        const [, delay] = yield* step(i * 10_000, "refused")
        delays.push(Duration.toMillis(delay))
      }
      assert.deepStrictEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000])
    }))

  it.live(
    "two members stopped: the survivor reports connected: false and is refused; the backoff grows pass after pass",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = yield* cluster.leader
        const survivor = cluster.members.find((m) => m.index !== leader)!
        const stopped = cluster.members.filter((m) => m !== survivor)
        // Not leader-only: the survivor, a follower, is usable for as long as it is connected.
        const session = yield* open({
          remote: [survivor, ...stopped].map((m) => m.unix).join(","),
          database: NB,
          leaderOnly: false,
          shuffle: false,
          backoff: TENTH_BACKOFF
        })
        assert.strictEqual(yield* whenReady(session), survivor.unix)
        const seen: Array<{ readonly at: number; readonly status: Session.Status }> = []
        yield* Effect.forkChild(
          Stream.runForEach(session.changes, (status) => Effect.sync(() => seen.push({ at: Date.now(), status })))
        )

        for (const member of stopped) yield* cluster.kill(member.index)
        // Its elections failing, the survivor says it is disconnected (two election timeouts on).
        const connected = Effect.map(
          runTool("ovsdb-client", [
            "transact",
            survivor.unix,
            JSON.stringify(["_Server", {
              op: "select",
              table: "Database",
              where: [["name", "==", NB]],
              columns: ["connected"]
            }])
          ]),
          (out) => (JSON.parse(out) as [{ rows: [{ connected: boolean }] }])[0].rows[0].connected
        )
        yield* eventually("the survivor reporting connected: false", Effect.map(connected, (c) => !c))
        const backoffs = () => seen.filter(({ status }) => status.state._tag === "Backoff")
        yield* eventually("five backoffs", Effect.sync(() => backoffs().length >= 5))

        const left = seen.findIndex(({ status }) => status.state._tag !== "Ready")
        const after = seen.slice(left)
        const refusals = [...new Set(after.flatMap(({ status }) => status.lastDisconnect ?? []))]
        const waits = backoffs().slice(0, 5)
        const millis = waits.map(({ status }) => (status.state as { millis: number }).millis)
        const gaps = waits.slice(1).map((wait, i) => wait.at - waits[i]!.at)
        console.log(`refusals: ${refusals.join(" | ")}\nbackoffs (ms): ${millis}; measured between them: ${gaps}`)
        assert.include(
          after[0]!.status.lastDisconnect,
          `${survivor.unix}: ${NB}: the member is disconnected from its cluster`,
          "the session left the survivor when it said it was disconnected"
        )
        assert.isFalse(after.some(({ status }) => status.state._tag === "Ready"), "refused from then on")
        for (const member of stopped) {
          assert.isTrue(
            refusals.some((refusal) => refusal.startsWith(`${member.unix}: Connect: `)),
            `${member.unix} refused once, named once`
          )
        }
        assert.deepStrictEqual(millis, [100, 200, 400, 800, 800])
        // Timers and Date.now() round differently: a wait of N ms may measure N - 1.
        gaps.forEach((gap, i) => assert.isAtLeast(gap, millis[i]! - 2, `the wait after backoff ${i + 1}`))
        // Between two backoffs, one pass, round robin: each remote tried once, the survivor refused again.
        const pass = after.filter(({ at, status }, i) =>
          at > waits[0]!.at && at < waits[1]!.at && status.state._tag === "Connecting" &&
          JSON.stringify(status.state) !== JSON.stringify(after[i - 1]?.status.state)
        ).map(({ status }) => (status.state as { remote: string }).remote)
        assert.deepStrictEqual([...pass].sort(), [survivor, ...stopped].map((m) => m.unix).sort())
        assert.include(waits[1]!.status.lastDisconnect, "the member is disconnected from its cluster")
      }),
    120_000
  )

  it.live(
    "a follower that wins the election ends the backoff at once: on the new leader long before a 60 s wait",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        // A backoff far longer than the test: only the followers' own news can end it.
        const session = yield* open({ remote: cluster.unix, database: NB, backoff: Schedule.spaced("60 seconds") })
        const old = yield* whenReady(session)
        const seen: Array<Session.Status> = []
        yield* Effect.forkChild(Stream.runForEach(session.changes, (status) => Effect.sync(() => seen.push(status))))
        const killedAt = Date.now()
        yield* cluster.kill(yield* cluster.leader)
        const now = yield* whenReady(session, old)
        const took = Date.now() - killedAt
        const leader = yield* cluster.leader
        console.log(`on the new leader ${took} ms after the kill`)
        assert.strictEqual(now, cluster.members[leader]!.unix)
        // The pass right after the kill found no leader yet, and the session waited: then a follower won.
        const backoff = seen.find((status) => status.state._tag === "Backoff")
        assert.deepStrictEqual(backoff?.state, { _tag: "Backoff", millis: 60_000 })
        assert.isBelow(took, 20_000)
      }),
    60_000
  )
})

describe("a stale member", () => {
  it.live(
    "cut off from Raft (cluster/failure-test stop-raft-rpc) while the others commit: refused while its index is below the one seen",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!
        const stale = cluster.members.find((m) => m !== leader)!
        // A long election timer keeps the cut-off member a follower that says it is connected, for
        // the whole test; the leader doubles it at most at each step.
        for (const millis of [2000, 4000, 8000, 16000, 32000]) {
          yield* appctl(leader, "cluster/change-election-timer", NB, String(millis))
          yield* eventually(
            `an election timer of ${millis} ms on ${stale.name}`,
            Effect.map(cluster.status(stale.index), (status) => status.includes(`Election timer: ${millis}\n`))
          )
        }
        yield* appctl(stale, "cluster/failure-test", "stop-raft-rpc")
        const writer = yield* api(yield* open({ remote: leader.unix, database: NB }))
        for (let i = 0; i < 5; i++) yield* writer.transact(NB, Op.insert("Logical_Switch", { name: `ls${i}` }))

        // The session sees the leader's index first; then the leader goes away, and only the stale member is left.
        const session = yield* open({
          remote: `${leader.unix},${stale.unix}`,
          database: NB,
          leaderOnly: false,
          shuffle: false,
          backoff: FAST_BACKOFF
        })
        assert.strictEqual(yield* whenReady(session), leader.unix)
        const seen: Array<Session.Status> = []
        yield* Effect.forkChild(Stream.runForEach(session.changes, (status) => Effect.sync(() => seen.push(status))))
        yield* away(leader)
        const staleRefusal = (status: Session.Status) =>
          status.lastDisconnect?.startsWith(`${stale.unix}: ${NB}: the member has stale data (index `) === true
        yield* eventually("the stale member refused", Effect.sync(() => seen.some(staleRefusal)))
        const refusal = seen.find(staleRefusal)!.lastDisconnect
        assert.isFalse(
          seen.some((status) => status.state._tag === "Ready" && status.remote === stale.unix),
          "never ready on the stale member"
        )

        // Back in touch with the cluster, it catches up, and is usable.
        yield* appctl(stale, "cluster/failure-test", "clear")
        assert.strictEqual(yield* whenReady(session), stale.unix)
        console.log(`refused: ${refusal}; then ready on it once it caught up`)
        const ovsdb = yield* api(session)
        const [{ rows }] = yield* ovsdb.transact(NB, Op.select("Logical_Switch", [], ["name"]))
        assert.strictEqual(rows.length, 5, "what it serves now has every commit")
      }),
    120_000
  )
})

describe("a stopped leader", () => {
  it.live(
    "kill -STOP of the leader with the probe on: the session is on the new leader within about two probes and an election",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = cluster.members[yield* cluster.leader]!
        const probe = 1000
        const session = yield* open({ remote: cluster.unix, database: NB, inactivityProbe: `${probe} millis` })
        assert.strictEqual(yield* whenReady(session), leader.unix)
        const shown = yield* follow(yield* session.monitor(NB, { Logical_Switch: { columns: ["name"] } }))

        // Stopped, not killed: its sockets stay open, and only the probe can tell.
        const stoppedAt = yield* Effect.acquireRelease(
          Effect.sync(() => {
            process.kill(leader.pid, "SIGSTOP")
            return Date.now()
          }),
          () => Effect.sync(() => process.kill(leader.pid, "SIGCONT"))
        )
        const remote = yield* whenReady(session, leader.unix)
        const took = Date.now() - stoppedAt
        const now = cluster.members.find((m) => m.unix === remote)!
        const role = yield* cluster.status(now.index)
        const status = yield* session.status
        console.log(
          `on the new leader ${now.name} ${took} ms after SIGSTOP; left the old one because: ${status.lastDisconnect}`
        )
        assert.include(role, "Role: leader")
        // OVS's election timer is 1 s, and a follower waits 1 to 2 s before it stands.
        assert.isBelow(took, 2 * probe + 2000 + 2000, "two probe intervals, an election, and a second of slack")
        // The monitor goes on, on the new leader.
        const writer = yield* api(session)
        yield* writer.transact(NB, Op.insert("Logical_Switch", { name: "after" }))
        yield* converges(shown, writer, "Logical_Switch")
      }),
    120_000
  )
})

describe("transactions across a failover", () => {
  it.live(
    "in flight at kill -9 of the leader: each its real result or TransactionOutcomeUnknown, never a false success",
    () =>
      Effect.gen(function*() {
        const cluster = yield* OvsdbCluster.start({ database: NB })
        const leader = yield* cluster.leader
        const session = yield* open({ remote: cluster.unix, database: NB })
        const ovsdb = yield* api(session)
        yield* whenReady(session)

        // 300 transactions sent at once; the first reply kills the leader, with the rest in flight.
        let replies = 0
        const insert = (name: string) =>
          ovsdb.transact(NB, Op.insert("Address_Set", { name })).pipe(
            Effect.tap(() => replies++ === 0 ? cluster.kill(leader) : Effect.void),
            Effect.exit
          )
        const names = Array.from({ length: 300 }, (_, i) => `t${i}`)
        const outcomes = yield* Effect.forEach(names, insert, { concurrency: "unbounded" })

        // Issued while the session reconnects: they wait for the new leader, and get its answer.
        yield* notReady(session)
        const later = Array.from({ length: 20 }, (_, i) => `later${i}`)
        const laterOutcomes = yield* Effect.forEach(later, insert, { concurrency: "unbounded" })

        const [{ rows }] = yield* ovsdb.transact(NB, Op.select("Address_Set", [], ["name"]))
        const stored = new Set(rows.map((row) => String(row.name)))
        const kinds = byOutcome([...outcomes, ...laterOutcomes], (i) => [...names, ...later][i]!)
        const count = (kind: string) => kinds.get(kind)?.length ?? 0
        const unknown = kinds.get("TransactionOutcomeUnknown") ?? []
        console.log(
          `${names.length} in flight, ${later.length} while reconnecting: ${count("committed")} committed, ` +
            `${unknown.length} outcome unknown (${
              unknown.filter((name) => stored.has(name)).length
            } of them stored), ` +
            `${count("unsent")} never sent`
        )
        assert.deepStrictEqual(
          [...kinds.keys()].filter((kind) => !["committed", "TransactionOutcomeUnknown", "unsent"].includes(kind)),
          [],
          "no other outcome"
        )
        for (const name of kinds.get("committed") ?? []) assert.isTrue(stored.has(name), `${name} reported committed`)
        for (const name of kinds.get("unsent") ?? []) assert.isFalse(stored.has(name), `${name} was never sent`)
        assert.isAbove(unknown.length, 0, "some were in flight at the kill")
        for (const exit of laterOutcomes) assert.isTrue(Exit.isSuccess(exit), "issued while reconnecting: committed")
      }),
    120_000
  )
})
