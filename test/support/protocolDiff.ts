/**
 * Comparing what two servers sent for the same script of raw requests: each side's messages are
 * put in a form that does not depend on the UUIDs each server chose, nor on the order its hash
 * tables walk things in, then compared entry by entry.
 *
 * - A row UUID is named `#n` in the order the transact replies reported it (every row a script
 *   makes is inserted by a transaction it sees); a transaction id `t0`, `t1`, … in the order the
 *   script saw it (`learnTransaction`). The zero UUID, which no server chooses, stays as it is. Any
 *   other UUID (a `_version`, the server id) is `<uuid>`.
 * - A set or map holding UUIDs is compared as a set (servers sort UUIDs by value).
 * - An error's `syntax` is read as the JSON it is (ovsdb-server writes objects in hash order);
 *   UUIDs inside an error's `details` are named like the others.
 * - The notifications one `sync` collected are compared as a set (ovsdb-server flushes a session's
 *   monitors in hash order).
 * - An error reply's `"result": null` is left out: ovsdb-server leaves the member out, the codec
 *   writes it, and JSON-RPC clients (Open vSwitch's C and Python ones too) read both alike.
 */
import { assert } from "@effect/vitest"
import { Result } from "effect"
import * as Json from "../../src/Json.js"
import * as Value from "../../src/protocol/Value.js"
import type { Received } from "./rawClient.js"

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const UUID_IN_TEXT = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g

type Record = { readonly [key: string]: Json.Json }

const isRecord = (json: Json.Json | undefined): json is Record =>
  typeof json === "object" && json !== null && !Array.isArray(json)

/** Canonical text: object members sorted. */
export const canonicalText = (json: Json.Json): string => {
  if (Array.isArray(json)) return `[${(json as ReadonlyArray<Json.Json>).map(canonicalText).join(",")}]`
  if (isRecord(json)) {
    return `{${Object.keys(json).sort().map((key) => `${JSON.stringify(key)}:${canonicalText(json[key]!)}`).join(",")}}`
  }
  return Json.stringify(json) ?? "null"
}

/** One server's names for the UUIDs it sent. */
export class Names {
  private readonly names = new Map<string, string>()
  private rows = 0
  private transactions = 0

  /** Names the rows a transact reply reports, in order. */
  learnReply(message: Received): void {
    if (!isRecord(message) || !Array.isArray(message.result)) return
    for (const result of message.result as ReadonlyArray<Json.Json>) {
      if (isRecord(result) && Array.isArray(result.uuid)) {
        this.learnRow(String((result.uuid as ReadonlyArray<Json.Json>)[1]))
      }
    }
  }

  learnRow(uuid: string): void {
    const key = uuid.toLowerCase()
    if (!this.names.has(key)) this.names.set(key, `#${++this.rows}`)
  }

  /** The transaction ids named so far, `t0` first. */
  readonly transactionIds: Array<string> = []

  /** Names a transaction id, the first time it is seen. */
  learnTransaction(uuid: string): void {
    const key = uuid.toLowerCase()
    if (this.names.has(key)) return
    this.names.set(key, `t${this.transactions++}`)
    this.transactionIds.push(key)
  }

  name(uuid: string): string {
    const key = uuid.toLowerCase()
    return this.names.get(key) ?? (key === Value.ZERO_UUID ? key : "<uuid>")
  }

  /** A message in comparable form. */
  normalize(json: Json.Json): Json.Json {
    if (typeof json === "string") return UUID.test(json) ? this.name(json) : json
    if (Array.isArray(json)) {
      const items = json as ReadonlyArray<Json.Json>
      if (items.length === 2 && items[0] === "uuid" && typeof items[1] === "string") {
        return ["uuid", this.name(items[1])]
      }
      if (items.length === 2 && (items[0] === "set" || items[0] === "map") && Array.isArray(items[1])) {
        const members = (items[1] as ReadonlyArray<Json.Json>).map((member) => this.normalize(member))
        const holdsUuids = canonicalText(items[1]!).includes("\"uuid\"")
        return [
          items[0],
          holdsUuids ? [...members].sort((a, b) => compare(canonicalText(a), canonicalText(b))) : members
        ]
      }
      return items.map((item) => this.normalize(item))
    }
    if (isRecord(json)) {
      const out: { [key: string]: Json.Json } = {}
      for (const key of Object.keys(json)) {
        const value = json[key]!
        if (key === "result" && value === null && json.error !== undefined && json.error !== null) continue
        const name = UUID.test(key) ? this.name(key) : key
        out[name] = key === "syntax" && typeof value === "string"
          ? this.normalize(Result.getOrElse(Json.parse(value), () => value))
          : key === "details" && typeof value === "string"
          ? value.replace(UUID_IN_TEXT, (uuid) => this.name(uuid))
          : this.normalize(value)
      }
      return out
    }
    return json
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** What one step of a script received, ready to compare. */
export interface Entry {
  readonly step: string
  readonly received: ReadonlyArray<Json.Json>
}

/** A sync's notifications (or any list) as a set: sorted by their canonical text. */
export const asSet = (messages: ReadonlyArray<Json.Json>): ReadonlyArray<Json.Json> =>
  [...messages].sort((a, b) => compare(canonicalText(a), canonicalText(b)))

/** A transcript: the entries one side recorded, in order. */
export class Transcript {
  readonly entries: Array<Entry> = []
  readonly names = new Names()

  /** Records what a step received (replies teach the names of their rows first). */
  record(step: string, received: ReadonlyArray<Received>, unordered = false): ReadonlyArray<Received> {
    for (const message of received) this.names.learnReply(message)
    const normalized = received.map((message) => message === "EOF" ? "EOF" : this.names.normalize(message))
    this.entries.push({ step, received: unordered ? asSet(normalized) : normalized })
    return received
  }
}

/** Asserts two transcripts equal, step by step; returns how many messages were compared. */
export const assertSameTranscripts = (expected: Transcript, actual: Transcript): number => {
  assert.strictEqual(actual.entries.length, expected.entries.length, "the same number of steps")
  let messages = 0
  for (const [i, entry] of expected.entries.entries()) {
    const other = actual.entries[i]!
    assert.strictEqual(other.step, entry.step)
    assert.deepStrictEqual(other.received, entry.received, `step ${i}: ${entry.step}`)
    messages += entry.received.length
  }
  return messages
}
