// Which server a session may use, from its _Server.Database rows: every branch of the check
// (clustered, relay, standalone, a database missing), and how rows are read from monitor values.
import { assert, describe, it } from "@effect/vitest"
import * as ServerCheck from "../src/internal/serverCheck.js"
import * as Value from "../src/protocol/Value.js"

const NB = "OVN_Northbound"
const CID = "8c0f0a4e-5d2b-4c1e-9a77-2f3b1c0d9e11"

/** A clustered member that is usable as it is: connected, leader, with its schema, at index 10. */
const member = (over?: Partial<ServerCheck.DatabaseRow>): ServerCheck.DatabaseRow => ({
  name: NB,
  model: "clustered",
  connected: true,
  leader: true,
  hasSchema: true,
  cid: CID,
  index: 10n,
  ...over
})

const wanted = (over?: Partial<ServerCheck.Wanted>): ServerCheck.Wanted => ({
  database: NB,
  leaderOnly: true,
  cid: undefined,
  ...over
})

const usable = (index: bigint | undefined): ServerCheck.Verdict => ({ _tag: "Usable", index })

/** The reason of an unusable verdict, checking that it is one, and whether the database was missing. */
const refusal = (verdict: ServerCheck.Verdict, missing = false) => {
  if (verdict._tag !== "Unusable") return assert.fail(`expected Unusable, got ${JSON.stringify(verdict, bigints)}`)
  assert.strictEqual(verdict.missing, missing)
  return verdict.reason
}

const bigints = (_key: string, value: unknown) => typeof value === "bigint" ? `${value}n` : value

describe("ServerCheck.check: a clustered database", () => {
  it("is usable when it has its schema, is connected, leads, and is not behind: its index is kept", () => {
    assert.deepStrictEqual(ServerCheck.check([member()], wanted(), 0n), usable(10n))
  })

  it("without its schema (a member that has not joined yet) is refused", () => {
    const reason = refusal(ServerCheck.check([member({ hasSchema: false })], wanted(), 0n))
    assert.strictEqual(reason, `${NB} has no schema yet (a cluster member that has not joined)`)
  })

  it("disconnected from its cluster is refused, leader-only or not", () => {
    for (const leaderOnly of [true, false]) {
      const reason = refusal(ServerCheck.check([member({ connected: false })], wanted({ leaderOnly }), 0n))
      assert.strictEqual(reason, `${NB}: the member is disconnected from its cluster`)
    }
  })

  it("a follower is refused when leader-only, and usable otherwise", () => {
    const follower = member({ leader: false })
    assert.strictEqual(
      refusal(ServerCheck.check([follower], wanted(), 0n)),
      `${NB}: the member is not the cluster leader`
    )
    assert.deepStrictEqual(ServerCheck.check([follower], wanted({ leaderOnly: false }), 0n), usable(10n))
  })

  it("an index below one already seen is a stale member, refused; the same index is not", () => {
    const reason = refusal(ServerCheck.check([member({ leader: false })], wanted({ leaderOnly: false }), 11n))
    assert.strictEqual(reason, `${NB}: the member has stale data (index 10, already seen 11)`)
    assert.deepStrictEqual(ServerCheck.check([member()], wanted(), 10n), usable(10n))
  })

  it("a member without an index (an older server) is not judged stale", () => {
    assert.deepStrictEqual(ServerCheck.check([member({ index: undefined })], wanted(), 99n), usable(undefined))
  })

  it("with a pinned cluster id, a member of another cluster is refused, one of the pinned one is usable", () => {
    const other = "00000000-1111-2222-3333-444444444444"
    assert.strictEqual(
      refusal(ServerCheck.check([member({ cid: other })], wanted({ cid: CID }), 0n)),
      `${NB}: cluster id ${other}, not the pinned ${CID}`
    )
    assert.strictEqual(
      refusal(ServerCheck.check([member({ cid: undefined })], wanted({ cid: CID }), 0n)),
      `${NB}: cluster id unknown, not the pinned ${CID}`
    )
    assert.deepStrictEqual(ServerCheck.check([member()], wanted({ cid: CID }), 0n), usable(10n))
  })
})

describe("ServerCheck.check: a relay", () => {
  const relay = (over?: Partial<ServerCheck.DatabaseRow>) =>
    member({ model: "relay", leader: false, cid: undefined, index: undefined, ...over })

  it("is refused when leader-only: a relay never leads", () => {
    assert.strictEqual(
      refusal(ServerCheck.check([relay()], wanted(), 0n)),
      `${NB}: a relay cannot be a leader`
    )
  })

  it("disconnected from its source is refused", () => {
    assert.strictEqual(
      refusal(ServerCheck.check([relay({ connected: false })], wanted({ leaderOnly: false }), 0n)),
      `${NB}: the relay is disconnected from its source`
    )
  })

  it("connected, and not leader-only, is usable, with no index to remember", () => {
    assert.deepStrictEqual(ServerCheck.check([relay()], wanted({ leaderOnly: false }), 5n), usable(undefined))
  })

  it("without its schema is refused", () => {
    refusal(ServerCheck.check([relay({ hasSchema: false })], wanted({ leaderOnly: false }), 0n))
  })
})

describe("ServerCheck.check: a standalone database", () => {
  const standalone = (over?: Partial<ServerCheck.DatabaseRow>) =>
    member({ model: "standalone", connected: true, leader: true, cid: undefined, index: undefined, ...over })

  it("needs only its schema, leader-only or not", () => {
    for (const leaderOnly of [true, false]) {
      assert.deepStrictEqual(ServerCheck.check([standalone()], wanted({ leaderOnly }), 7n), usable(undefined))
    }
    refusal(ServerCheck.check([standalone({ hasSchema: false })], wanted(), 0n))
  })
})

describe("ServerCheck.check: which databases", () => {
  it("a database the server does not have is refused as missing (retrying elsewhere may find it)", () => {
    const reason = refusal(ServerCheck.check([member({ name: "OVN_Southbound" })], wanted(), 0n), true)
    assert.strictEqual(reason, `the server has no database ${NB}`)
  })

  it("with no database named, every database but _Server is checked, and the highest index kept", () => {
    const server = member({ name: "_Server", model: "standalone", index: undefined })
    const rows = [server, member({ index: 4n }), member({ name: "OVN_Southbound", index: 9n })]
    assert.deepStrictEqual(ServerCheck.check(rows, wanted({ database: undefined }), 0n), usable(9n))
    const oneFollower = [server, member(), member({ name: "OVN_Southbound", leader: false })]
    assert.strictEqual(
      refusal(ServerCheck.check(oneFollower, wanted({ database: undefined }), 0n)),
      "OVN_Southbound: the member is not the cluster leader"
    )
    // A server with only _Server has nothing to refuse.
    assert.deepStrictEqual(ServerCheck.check([server], wanted({ database: undefined }), 0n), usable(undefined))
  })
})

describe("ServerCheck.readRow", () => {
  it("reads optional columns as 0- or 1-element sets, or bare atoms", () => {
    const full = ServerCheck.readRow({
      name: NB,
      model: "clustered",
      connected: true,
      leader: false,
      schema: "{\"name\":\"OVN_Northbound\"}",
      cid: [Value.uuid(CID.toUpperCase())],
      index: 42
    })
    assert.deepStrictEqual(full, {
      name: NB,
      model: "clustered",
      connected: true,
      leader: false,
      hasSchema: true,
      cid: CID,
      index: 42n
    })
    const empty = ServerCheck.readRow({ name: NB, model: "clustered", connected: false, leader: false, schema: [] })
    assert.deepStrictEqual(empty, {
      name: NB,
      model: "clustered",
      connected: false,
      leader: false,
      hasSchema: false,
      cid: undefined,
      index: undefined
    })
    assert.deepStrictEqual(ServerCheck.readRow({ index: [7n], cid: Value.uuid(CID), schema: "" }), {
      name: "",
      model: "standalone",
      connected: false,
      leader: false,
      hasSchema: false,
      cid: CID,
      index: 7n
    })
  })
})
