// The replica's store without a server, over random sequences of version 3 row updates as the
// session delivers them (inserts leaving out default columns, modifies as diffs, deletes, and
// resyncs): after every step its indexes, ranges and `where` agree with a scan, the changes it
// returns rebuild its rows exactly, and its rows are what the updates say. Each sequence comes from
// its own seed, named in every assertion's message.
import { assert, describe, it } from "@effect/vitest"
import * as Store from "../src/internal/replicaStore.js"
import * as Nb from "../src/models/OVN_Northbound.js"
import type { ColumnType } from "../src/protocol/DatabaseSchema.js"
import type * as Monitor from "../src/protocol/Monitor.js"
import type * as Operation from "../src/protocol/Operation.js"
import * as Value from "../src/protocol/Value.js"
import { Random } from "./support/Random.js"

const SEQUENCES = 200
const STEPS = 50
const FIRST_SEED = 1

// --- the table: Logical_Switch_Port of the real model, specified as Replica.make does ---

const TABLE = "Logical_Switch_Port"
const COLUMNS = ["name", "tag_request", "addresses", "external_ids", "type"] as const
type Column = typeof COLUMNS[number]

const types: { [column: string]: ColumnType } = {}
for (const column of COLUMNS) types[column] = Nb.Logical_Switch_Port.schema!.columns[column]!.type

const indexes: { [name: string]: Store.IndexSpec } = {}
for (const index of Nb.Logical_Switch_Port.indexes) {
  if (index.every((column) => types[column] !== undefined)) indexes[index.join(",")] = { parts: index, unique: true }
}
indexes.owner = { parts: [["external_ids", "owner"]], unique: false }
indexes.tag = { parts: ["tag_request"], unique: false }
indexes.typeTag = { parts: ["type", "tag_request"], unique: false }

const spec: Store.TableSpec = { types, indexes }

/** The model's plain row: what a test expects the store to hold. */
interface Plain {
  readonly name: string
  readonly tag_request: number | undefined
  readonly addresses: ReadonlyArray<string>
  readonly external_ids: ReadonlyMap<string, string>
  readonly type: string
}

// Texts with the characters a canonical text could join atoms with, so that a set or map whose
// strings hold them must not be taken for another ({a, b} is not {"a,sb"}).
const TEXTS = ["a", "b", "c", "s", "sa", "a,sb", "b,sc", "a=sb", "b=sc", "x y", ""]
const NAMES = ["p0", "p1", "p2", "p3", "a", "a,sb"]
const KINDS = ["", "router", "localnet", "a,sb"]
const KEYS = ["owner", "a", "b", "a=sb", "c"]
const TAGS = [0, 1, 2, 3, 10, 4095]

const randomTag = (r: Random): number | undefined =>
  r.chance(0.3) ? undefined : r.chance(0.7) ? r.pick(TAGS) : r.int(4096)

const randomMap = (r: Random): Map<string, string> => {
  const map = new Map<string, string>()
  for (const key of r.shuffle(KEYS)) if (r.chance(key === "owner" ? 0.6 : 0.3)) map.set(key, r.pick(TEXTS))
  return map
}

const randomPlain = (r: Random): Plain => ({
  name: r.chance(0.1) ? "" : r.pick(NAMES),
  tag_request: randomTag(r),
  addresses: r.subset(TEXTS, 4),
  external_ids: randomMap(r),
  type: r.pick(KINDS)
})

/** One column of `row` given a new random value, for a changed row. */
const changeOne = (r: Random, row: Plain): Plain => {
  const fresh = randomPlain(r)
  const column = r.pick(COLUMNS)
  return { ...row, [column]: fresh[column] }
}

// --- canonical texts, the test's own: each atom's text ends where its quotes or digits do, so
// that no two values share one ---

const atomText = (atom: unknown): string => {
  if (atom instanceof Value.Uuid) return `u${atom.value}`
  if (typeof atom === "number" || typeof atom === "bigint") return `n${atom}`
  if (typeof atom === "string") return `s${JSON.stringify(atom)}`
  return `?${JSON.stringify(String(atom))}`
}

/** A value's text: its shape (absent, atom, set, map) and its atoms, sorted. */
const canon = (value: unknown): string => {
  if (value === undefined) return "absent"
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${atomText(k)}:${atomText(v)}`).sort().join(",")}}`
  if (Array.isArray(value)) return `[${value.map(atomText).sort().join(",")}]`
  return atomText(value)
}

const rowText = (row: Store.Row): string => JSON.stringify([canon(row._uuid), ...COLUMNS.map((c) => canon(row[c]))])

const sorted = (items: Iterable<string>): Array<string> => [...items].sort()

const uuidsOf = (rows: ReadonlyArray<Store.Row>): Array<string> => rows.map((row) => (row._uuid as Value.Uuid).value)

// --- the wire: version 3 rows and diffs ---

/** A set as the server may send it: one element as its bare atom. */
const wireSet = (r: Random, atoms: ReadonlyArray<Value.Atom>): Value.Value =>
  atoms.length === 1 && r.chance(0.5) ? atoms[0]! : r.shuffle(atoms)

const wireMap = (r: Random, map: ReadonlyMap<string, string>): Value.Value =>
  new Map<Value.Atom, Value.Atom>(r.shuffle([...map]))

const optional = (tag: number | undefined): ReadonlyArray<number> => tag === undefined ? [] : [tag]

/** An inserted row as version 3 sends it: columns holding their default left out (mostly). */
const wireRow = (r: Random, row: Plain): Value.Row => {
  const out: { [column: string]: Value.Value } = {}
  const send = (isDefault: boolean) => !isDefault || r.chance(0.15)
  if (send(row.name === "")) out.name = row.name
  if (send(row.tag_request === undefined)) out.tag_request = wireSet(r, optional(row.tag_request))
  if (send(row.addresses.length === 0)) out.addresses = wireSet(r, row.addresses)
  if (send(row.external_ids.size === 0)) out.external_ids = wireMap(r, row.external_ids)
  if (send(row.type === "")) out.type = row.type
  return out
}

const toggled = <A>(a: ReadonlyArray<A>, b: ReadonlyArray<A>): Array<A> => [
  ...a.filter((x) => !b.includes(x)),
  ...b.filter((x) => !a.includes(x))
]

/**
 * A version 3 `modify` diff from `old` to `next` (ovsdb-server(7) §4.1.14): a scalar's new value;
 * a set's (and an optional column's) elements to toggle; a map's pairs to add, remove or change.
 */
const wireDiff = (r: Random, old: Plain, next: Plain): Value.Row => {
  const diff: { [column: string]: Value.Value } = {}
  if (old.name !== next.name) diff.name = next.name
  if (old.type !== next.type) diff.type = next.type
  if (old.tag_request !== next.tag_request) {
    diff.tag_request = wireSet(r, toggled(optional(old.tag_request), optional(next.tag_request)))
  }
  const addresses = toggled(old.addresses, next.addresses)
  if (addresses.length > 0) diff.addresses = wireSet(r, addresses)
  const pairs = new Map<string, string>()
  for (const [k, v] of old.external_ids) if (next.external_ids.get(k) !== v) pairs.set(k, next.external_ids.get(k) ?? v)
  for (const [k, v] of next.external_ids) if (!old.external_ids.has(k)) pairs.set(k, v)
  if (pairs.size > 0) diff.external_ids = wireMap(r, pairs)
  return diff
}

const atomsOf = (value: Value.Value): ReadonlyArray<Value.Atom> =>
  Array.isArray(value) ? value as ReadonlyArray<Value.Atom> : value instanceof Map ? [] : [value as Value.Atom]

const toggle = <A extends Value.Atom>(have: ReadonlyArray<A>, diff: Value.Value): Array<A> =>
  toggled(have, atomsOf(diff) as ReadonlyArray<A>)

/** The model's own application of a version 3 diff. */
const applyPlainDiff = (old: Plain, diff: Value.Row): Plain => {
  let external_ids = old.external_ids
  if (diff.external_ids !== undefined) {
    const map = new Map(old.external_ids)
    for (const [k, v] of diff.external_ids as ReadonlyMap<string, string>) {
      if (map.get(k) === v) map.delete(k)
      else map.set(k, v)
    }
    external_ids = map
  }
  return {
    name: diff.name === undefined ? old.name : diff.name as string,
    type: diff.type === undefined ? old.type : diff.type as string,
    tag_request: diff.tag_request === undefined
      ? old.tag_request
      : toggle(optional(old.tag_request), diff.tag_request)[0],
    addresses: diff.addresses === undefined ? old.addresses : toggle(old.addresses, diff.addresses),
    external_ids
  }
}

const samePlain = (a: Plain, b: Plain): boolean => COLUMNS.every((c) => canon(a[c]) === canon(b[c]))

// --- one sequence ---

type Step =
  | { readonly _tag: "Apply"; readonly updates: ReadonlyArray<Monitor.RowUpdate> }
  | { readonly _tag: "Replace"; readonly rows: ReadonlyArray<Monitor.RowUpdate> }

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

/** A row of a table the store does not replicate: it must be passed over. */
const foreign = (r: Random, tag: "Insert" | "Initial"): Monitor.RowUpdate => ({
  _tag: tag,
  table: "Logical_Switch",
  uuid: Value.uuid(`ffffffff-0000-4000-8000-${hex(r.int(1 << 24), 12)}`),
  row: { name: "ls" }
})

/** A sequence's updates, made as it runs: each step changes `model` to what the store must then hold. */
class Sequence {
  readonly random: Random
  readonly model = new Map<string, Plain>()
  private count = 0
  constructor(readonly seed: number) {
    this.random = new Random(seed)
  }

  private fresh(): string {
    return `${hex(this.seed, 8)}-0000-4000-8000-${hex(this.count++, 12)}`
  }

  step(first: boolean): Step {
    const r = this.random
    if (first || r.chance(0.06)) return this.replace()
    const updates: Array<Monitor.RowUpdate> = []
    const touched = new Set<string>()
    const n = r.chance(0.2) ? 2 + r.int(3) : 1
    for (let i = 0; i < n; i++) {
      const present = [...this.model.keys()].filter((uuid) => !touched.has(uuid))
      const kind = present.length === 0 || r.chance(this.model.size < 4 ? 0.6 : this.model.size > 14 ? 0.1 : 0.3)
        ? "insert"
        : r.chance(0.7)
        ? "modify"
        : "delete"
      if (kind === "insert") {
        const uuid = this.fresh()
        const row = randomPlain(r)
        this.model.set(uuid, row)
        updates.push({ _tag: "Insert", table: TABLE, uuid: Value.uuid(uuid), row: wireRow(r, row) })
        touched.add(uuid)
      } else if (kind === "modify") {
        const uuid = r.pick(present)
        const old = this.model.get(uuid)!
        let next = changeOne(r, old)
        for (let tries = 0; samePlain(old, next); tries++) {
          next = tries < 10 ? changeOne(r, next) : { ...next, addresses: toggled(next.addresses, ["zz"]) }
        }
        const diff = wireDiff(r, old, next)
        const applied = applyPlainDiff(old, diff)
        assert.isTrue(samePlain(applied, next), `seed ${this.seed}: the test's diff gives the row it meant`)
        this.model.set(uuid, applied)
        updates.push({ _tag: "Modify", table: TABLE, uuid: Value.uuid(uuid), diff })
        touched.add(uuid)
      } else {
        const uuid = r.pick(present)
        this.model.delete(uuid)
        updates.push({ _tag: "Delete", table: TABLE, uuid: Value.uuid(uuid) })
        touched.add(uuid)
      }
      if (r.chance(0.05)) updates.push(foreign(r, "Insert"))
    }
    return { _tag: "Apply", updates }
  }

  /** A resync's whole contents: some rows kept as they are, some changed, some dropped, some new. */
  private replace(): Step {
    const r = this.random
    const next = new Map<string, Plain>()
    for (const [uuid, row] of this.model) {
      const c = r.next()
      if (c < 0.35) next.set(uuid, row)
      else if (c < 0.55) next.set(uuid, changeOne(r, row))
      else if (c < 0.7) next.set(uuid, randomPlain(r))
    }
    for (let i = r.int(6); i > 0; i--) next.set(this.fresh(), randomPlain(r))
    this.model.clear()
    for (const [uuid, row] of next) this.model.set(uuid, row)
    const rows: Array<Monitor.RowUpdate> = [...next].map(([uuid, row]) => ({
      _tag: r.chance(0.9) ? "Initial" : "Insert",
      table: TABLE,
      uuid: Value.uuid(uuid),
      row: wireRow(r, row)
    }))
    if (r.chance(0.1)) rows.push(foreign(r, "Initial"))
    return { _tag: "Replace", rows: r.shuffle(rows) }
  }
}

// --- the brute-force answers ---

type Part = Store.IndexPart

const partOf = (row: Plain, part: Part): string | number | undefined =>
  typeof part === "string" ? row[part as "name" | "tag_request" | "type"] : row.external_ids.get(part[1] as string)

const keyOf = (row: Plain, parts: ReadonlyArray<Part>): ReadonlyArray<string | number | undefined> =>
  parts.map((part) => partOf(row, part))

/** Numbers before texts; numbers by value, texts by their code units (as the store orders keys). */
const compareKeys = (a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!
    const y = b[i]!
    if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1
    if (x < y) return -1
    if (x > y) return 1
  }
  return 0
}

const sameAtoms = (a: ReadonlyArray<Value.Atom>, b: ReadonlyArray<Value.Atom>): boolean => canon(a) === canon(b)

/** Whether `row` meets `condition`, per RFC 7047 §5.1, the test's own way. */
const holds = (row: Plain, condition: Operation.Condition): boolean => {
  if (typeof condition === "boolean") return condition
  if (condition.column === "external_ids") {
    const wanted = [...condition.value as ReadonlyMap<string, string>]
    const has = ([k, v]: readonly [string, string]) => row.external_ids.get(k) === v
    const same = wanted.length === row.external_ids.size && wanted.every(has)
    switch (condition.function) {
      case "==":
        return same
      case "!=":
        return !same
      case "includes":
        return wanted.every(has)
      case "excludes":
        return !wanted.some(has)
    }
    throw new Error(`no ${condition.function} on a map in this test`)
  }
  const column = condition.column as Exclude<Column, "external_ids">
  const have: ReadonlyArray<Value.Atom> = column === "addresses"
    ? row.addresses
    : column === "tag_request"
    ? optional(row.tag_request)
    : [row[column]]
  const wanted = atomsOf(condition.value)
  switch (condition.function) {
    case "==":
      return sameAtoms(have, wanted)
    case "!=":
      return !sameAtoms(have, wanted)
    case "includes":
      return wanted.every((atom) => have.includes(atom))
    case "excludes":
      return !wanted.some((atom) => have.includes(atom))
  }
  const a = row.tag_request
  const b = wanted[0] as number
  if (column !== "tag_request") throw new Error(`no ${condition.function} on ${column} in this test`)
  if (a === undefined) return false
  switch (condition.function) {
    case "<":
      return a < b
    case "<=":
      return a <= b
    case ">":
      return a > b
    case ">=":
      return a >= b
  }
}

// --- random questions ---

const randomCondition = (r: Random, rows: ReadonlyArray<Plain>): Operation.Condition => {
  const some = rows.length > 0 && r.chance(0.6) ? r.pick(rows) : randomPlain(r)
  const fn = <F extends Operation.ConditionFunction>(...fs: ReadonlyArray<F>): F => r.pick(fs)
  switch (r.int(7)) {
    case 0:
      return { column: "name", function: r.chance(0.6) ? "==" : fn("!=", "includes", "excludes"), value: some.name }
    case 1: {
      const tag = r.chance(0.5) ? some.tag_request : randomTag(r)
      const f = fn("==", "!=", "<", "<=", ">", ">=", "includes", "excludes")
      const value = tag === undefined && f !== "==" && f !== "!=" ? r.pick(TAGS) : tag
      return { column: "tag_request", function: f, value: value === undefined ? [] : r.chance(0.3) ? [value] : value }
    }
    case 2: {
      const f = fn("==", "!=", "includes", "excludes")
      const atoms = f === "==" || f === "!=" ? r.chance(0.7) ? some.addresses : r.subset(TEXTS, 3) : r.subset(TEXTS, 2)
      return { column: "addresses", function: f, value: wireSet(r, atoms) }
    }
    case 3: {
      const f = fn("==", "!=", "includes", "excludes")
      const pairs = f === "==" || f === "!=" ? [...some.external_ids] : r.subset([...some.external_ids], 2)
      if (f !== "==" && f !== "!=" && r.chance(0.3)) pairs.push([r.pick(KEYS), r.pick(TEXTS)])
      return { column: "external_ids", function: f, value: new Map<Value.Atom, Value.Atom>(pairs) }
    }
    case 4:
      return { column: "type", function: fn("==", "!=", "includes", "excludes"), value: some.type }
    case 5:
      return r.chance(0.8)
    default:
      return { column: "tag_request", function: fn("<", ">="), value: r.pick(TAGS) }
  }
}

/** A bound of a range: a key of the index, or (on two parts) only its first part. */
const randomBound = (r: Random, rows: ReadonlyArray<Plain>, parts: ReadonlyArray<Part>): ReadonlyArray<unknown> => {
  const some = rows.length > 0 && r.chance(0.5) ? r.pick(rows) : randomPlain(r)
  const bound = parts.map((part) => {
    const value = partOf(some, part)
    if (value !== undefined) return value
    return part === "tag_request" ? r.pick(TAGS) : r.pick(TEXTS)
  })
  return parts.length > 1 && r.chance(0.3) ? bound.slice(0, 1) : bound
}

// --- the checks ---
//
// The checks compare texts, and build a failure's message only when one differs: an assertion per
// row and question would take most of the time.

/** Fails with `message` unless `ok`; the message is built only then. */
const check = (ok: boolean, message: () => string) => {
  if (!ok) assert.fail(message())
}

/** What the store answered against what the scan did, for the questions whose answers differ. */
class Answers {
  private readonly wrong: Array<string> = []
  compare(question: () => string, store: string, scan: string) {
    if (store !== scan) this.wrong.push(`${question()}: the store gives ${store}, a scan ${scan}`)
  }
  done(where: string, context: () => string = () => "") {
    check(this.wrong.length === 0, () => `${where}: ${this.wrong.join("; ")}${context()}`)
  }
}

type Mirror = Map<string, { readonly row: Store.Row; readonly text: string }>

/** The changes applied in order to `mirror`, each as it must be; then the mirror is the store. */
const followChanges = (
  where: string,
  store: Store.Store,
  mirror: Mirror,
  changes: ReadonlyArray<Store.Change>
) => {
  for (const change of changes) {
    const at = () => `${where}: ${change._tag} ${change.uuid}`
    check(change.table === TABLE, () => `${at()}: of table ${change.table}`)
    const held = mirror.get(change.uuid)
    switch (change._tag) {
      case "Insert":
        check(held === undefined, () => `${at()}: an insert is of a row not held`)
        check((change.row._uuid as Value.Uuid).value === change.uuid, () => `${at()}: the row's _uuid`)
        mirror.set(change.uuid, { row: change.row, text: rowText(change.row) })
        break
      case "Modify": {
        check(held !== undefined, () => `${at()}: a modify is of a row held`)
        check(change.old === held!.row, () => `${at()}: old is the row held`)
        check(rowText(change.old) === held!.text, () => `${at()}: the row held was not changed in place`)
        const differ = COLUMNS.filter((c) => canon(change.old[c]) !== canon(change.row[c]))
        check(
          sorted(change.columns).join() === sorted(differ).join(),
          () =>
            `${at()}: columns [${change.columns}], but [${differ}] differ: ${rowText(change.old)} to ${
              rowText(change.row)
            }`
        )
        check(differ.length > 0, () => `${at()}: a modify changes something`)
        mirror.set(change.uuid, { row: change.row, text: rowText(change.row) })
        break
      }
      case "Delete":
        check(held !== undefined, () => `${at()}: a delete is of a row held`)
        check(change.old === held!.row, () => `${at()}: old is the row held`)
        mirror.delete(change.uuid)
    }
  }
  const rows = store.rows(TABLE)
  const mismatched = [...rows].filter(([uuid, row]) => mirror.get(uuid)?.row !== row).map(([uuid]) => uuid)
  check(
    mirror.size === rows.size && mismatched.length === 0,
    () => `${where}: the changes give ${mirror.size} rows, the store has ${rows.size}; differing: ${mismatched}`
  )
}

const plainText = (uuid: string, row: Plain): string =>
  JSON.stringify([canon(Value.uuid(uuid)), ...COLUMNS.map((c) => canon(row[c]))])

/** The store's rows are the model's: same UUIDs, same columns, each in the shape its type says. */
const matchModel = (where: string, store: Store.Store, model: ReadonlyMap<string, Plain>) => {
  const columns = sorted(["_uuid", ...COLUMNS]).join()
  const answers = new Answers()
  const rows = store.rows(TABLE)
  answers.compare(() => "the rows", sorted(rows.keys()).join(), sorted(model.keys()).join())
  for (const [uuid, row] of rows) {
    const plain = model.get(uuid)
    answers.compare(
      () => `row ${uuid}`,
      `${sorted(Object.keys(row)).join()} ${rowText(row)}`,
      plain === undefined ? "none" : `${columns} ${plainText(uuid, plain)}`
    )
  }
  answers.done(where)
}

const show = (value: unknown) =>
  JSON.stringify(value, (_, v) => v === undefined ? "(none)" : v instanceof Map ? [...v] : v)

/** Every index finds, for each row's key and a few others, the rows a scan finds. */
const checkFind = (where: string, r: Random, store: Store.Store, model: ReadonlyMap<string, Plain>) => {
  const answers = new Answers()
  const probes = [...model.values(), randomPlain(r), randomPlain(r)]
  for (const [name, index] of Object.entries(spec.indexes)) {
    const text = (key: ReadonlyArray<string | number | undefined>) =>
      key.map((part) => typeof part === "string" ? JSON.stringify(part) : String(part)).join(" ")
    const byKey = new Map<string, Array<string>>()
    for (const [uuid, row] of model) {
      const key = text(keyOf(row, index.parts))
      const uuids = byKey.get(key)
      if (uuids === undefined) byKey.set(key, [uuid])
      else uuids.push(uuid)
    }
    for (const probe of probes) {
      const key = keyOf(probe, index.parts)
      // As a caller may also give it: an optional column's value as a set.
      const given = key.map((value, i) =>
        index.parts[i] === "tag_request" && r.chance(0.3) ? (value === undefined ? [] : [value]) : value
      )
      const found = store.find(TABLE, name, given)
      answers.compare(
        () => `find ${name} ${show(given)}`,
        found === undefined ? "no index" : sorted(uuidsOf(found)).join(),
        sorted(byKey.get(text(key)) ?? []).join()
      )
    }
  }
  answers.compare(() => "find nothing", String(store.find(TABLE, "nothing", ["x"])), "undefined")
  answers.done(where)
}

/** Ranges over random bounds give the rows a scan gives, in key order; rows lacking a part are in none. */
const checkRange = (where: string, r: Random, store: Store.Store, model: ReadonlyMap<string, Plain>) => {
  const plains = [...model.values()]
  const answers = new Answers()
  for (const name of ["tag", "tag", "typeTag", "owner", "name"]) {
    const parts = spec.indexes[name]!.parts
    const from = r.chance(0.25) ? undefined : randomBound(r, plains, parts)
    const to = r.chance(0.25) ? undefined : randomBound(r, plains, parts)
    const inRange: Array<{ readonly uuid: string; readonly key: ReadonlyArray<string | number> }> = []
    for (const [uuid, row] of model) {
      const key = keyOf(row, parts)
      if (key.includes(undefined)) continue
      const k = key as ReadonlyArray<string | number>
      if (from !== undefined && compareKeys(k, from as ReadonlyArray<string | number>) < 0) continue
      if (to !== undefined && compareKeys(k, to as ReadonlyArray<string | number>) > 0) continue
      inRange.push({ uuid, key: k })
    }
    inRange.sort((a, b) => compareKeys(a.key, b.key))
    const question = () => `range ${name} from ${show(from)} to ${show(to)}`
    const got = store.range(TABLE, name, from, to)
    const keyText = (uuid: string) => {
      const row = model.get(uuid)
      return row === undefined ? "(not in the model)" : JSON.stringify(keyOf(row, parts))
    }
    answers.compare(
      question,
      got === undefined ? "no index" : sorted(uuidsOf(got)).join(),
      sorted(inRange.map((e) => e.uuid)).join()
    )
    answers.compare(
      () => `${question()}, in key order`,
      (got === undefined ? [] : uuidsOf(got)).map(keyText).join(),
      inRange.map((e) => JSON.stringify(e.key)).join()
    )
  }
  answers.done(where)
}

/** `where` over random conditions gives the rows a scan gives; an `==` on name uses its index. */
const checkWhere = (where: string, r: Random, store: Store.Store, model: ReadonlyMap<string, Plain>) => {
  const plains = [...model.values()]
  const answers = new Answers()
  for (let i = 0; i < 6; i++) {
    const conditions = Array.from({ length: 1 + r.int(3) }, () => randomCondition(r, plains))
    if (i === 0) {
      // An `==` on name: looked up in the schema index.
      conditions.unshift({
        column: "name",
        function: "==",
        value: plains.length > 0 ? r.pick(plains).name : r.pick(NAMES)
      })
    }
    answers.compare(
      () => `where ${show(conditions)}`,
      sorted(uuidsOf(store.where(TABLE, conditions))).join(),
      sorted([...model].filter(([, row]) => conditions.every((c) => holds(row, c))).map(([uuid]) => uuid)).join()
    )
  }
  answers.done(where, () => `; over rows ${[...model].map(([uuid, row]) => plainText(uuid, row)).join(" ")}`)
}

/** Runs every sequence, checking after each step. */
const run = (
  check: (where: string, r: Random, store: Store.Store, seq: Sequence, changes: ReadonlyArray<Store.Change>) => void
) => {
  let steps = 0
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEQUENCES; seed++) {
    const seq = new Sequence(seed)
    const store = new Store.Store({ [TABLE]: spec })
    // The questions draw from their own generator, so that both checks see the same sequences.
    const questions = new Random(seed ^ 0x5bd1e995)
    for (let step = 0; step < STEPS; step++) {
      const next = seq.step(step === 0)
      const changes = next._tag === "Apply" ? store.apply(next.updates) : store.replace(next.rows)
      check(`seed ${seed} step ${step} (${next._tag})`, questions, store, seq, changes)
      steps++
    }
  }
  return steps
}

describe("replica store, over random sequences of version 3 updates and resyncs", () => {
  it("the table is specified as Replica.make would: its schema index and three client indexes", () => {
    assert.deepStrictEqual(Object.keys(spec.indexes).sort(), ["name", "owner", "tag", "typeTag"])
    assert.isTrue(spec.indexes.name!.unique)
  })

  it("indexes, ranges and where agree with a scan after every change", () => {
    const steps = run((where, r, store, seq) => {
      checkFind(where, r, store, seq.model)
      checkRange(where, r, store, seq.model)
      checkWhere(where, r, store, seq.model)
    })
    assert.strictEqual(steps, SEQUENCES * STEPS)
  })

  it("the changes rebuild the rows exactly, and the rows are what the updates say", () => {
    const mirrors = new Map<number, Mirror>()
    const steps = run((where, _r, store, seq, changes) => {
      const mirror = mirrors.get(seq.seed) ?? new Map()
      mirrors.set(seq.seed, mirror)
      followChanges(where, store, mirror, changes)
      matchModel(where, store, seq.model)
    })
    assert.strictEqual(steps, SEQUENCES * STEPS)
  })
})

describe("values whose strings hold the separators of a canonical text", () => {
  const uuid = Value.uuid("00000000-0000-4000-8000-000000000001")
  const initial = (row: Value.Row): Monitor.RowUpdate => ({ _tag: "Initial", table: TABLE, uuid, row })

  it("are told apart by valueKey: the set [a, b] is not [\"a,sb\"], the map {a: \"b=sc\"} not {\"a=sb\": c}", () => {
    assert.notStrictEqual(Store.valueKey(["a", "b"]), Store.valueKey(["a,sb"]))
    assert.notStrictEqual(Store.valueKey(new Map([["a", "b=sc"]])), Store.valueKey(new Map([["a=sb", "c"]])))
    assert.notStrictEqual(
      Store.valueKey(new Map([["a", "b"], ["c", "d"]])),
      Store.valueKey(new Map([["a", "b,sc=sd"]]))
    )
    assert.strictEqual(Store.valueKey(["a,sb", "a"]), Store.valueKey(["a", "a,sb"]))
  })

  it("a resync that turns addresses [a, b] into [\"a,sb\"] is a modify of addresses, and the row has the new value", () => {
    const store = new Store.Store({ [TABLE]: spec })
    store.replace([initial({ name: "p0", addresses: ["a", "b"] })])
    const changes = store.replace([initial({ name: "p0", addresses: ["a,sb"] })])
    assert.deepStrictEqual(changes.map((c) => c._tag === "Modify" ? c.columns : c._tag), [["addresses"]])
    assert.deepStrictEqual(store.rows(TABLE).get(uuid.value)!.addresses, ["a,sb"])
    assert.deepStrictEqual(
      uuidsOf(store.where(TABLE, [{ column: "addresses", function: "==", value: ["a", "b"] }])),
      []
    )
  })

  it("includes and excludes on a map compare whole pairs: {a: \"b=sc\"} does not include {\"a=sb\": c}", () => {
    const store = new Store.Store({ [TABLE]: spec })
    store.replace([initial({ name: "p0", external_ids: new Map([["a", "b=sc"]]) })])
    const pair = new Map<Value.Atom, Value.Atom>([["a=sb", "c"]])
    assert.deepStrictEqual(
      uuidsOf(store.where(TABLE, [{ column: "external_ids", function: "includes", value: pair }])),
      []
    )
    assert.deepStrictEqual(
      uuidsOf(store.where(TABLE, [{ column: "external_ids", function: "excludes", value: pair }])),
      [uuid.value]
    )
  })
})
