/**
 * A transaction's working copy and its commit, as ovsdb-server's `ovsdb/transaction.c` does them.
 *
 * Operations change the live rows (`TableState.rows`) through the transaction, which keeps each
 * touched row as it was (`old`) beside what it is now (`new`). `abort` puts the old rows back. At
 * commit (`ovsdb_txn_precommit`), in this order:
 *
 * 1. rows that end up as they were are dropped, and the columns that changed are noted;
 * 2. strong references are counted: a new reference to a row that does not exist is a "referential
 *    integrity violation", as is deleting a row something still refers to;
 * 3. rows of non-root tables that nothing refers to any more are deleted, and what they referred to
 *    in turn (garbage collection);
 * 4. `maxRows` is checked;
 * 5. weak references to rows that are gone are removed from sets and maps, and a column left with
 *    fewer elements than its minimum is a "constraint violation";
 * 6. unique indexes are checked;
 * 7. every row that changed gets a new `_version`.
 *
 * ovsdb-server walks the transaction's rows table by table, in the order the transaction first
 * touched each table, and within a table in its hash map's order (by the UUID's first 32 bits); the
 * walk is reproduced because it decides which error is reported first, and one of its consequences:
 * a set or map whose weak reference goes with its target is cleaned only if the walk reaches the
 * target before the row (ovsdb-server 3.1 leaves the reference in place otherwise); a column of at
 * most one element is cleaned either way.
 *
 * @since 0.1.0
 */
import * as Value from "../../protocol/Value.js"
import type { Change } from "../Engine.js"
import type { Database, TableState, WeakRef } from "./database.js"
import {
  type Column,
  compareValues,
  type DatumType,
  type Elements,
  equalValues,
  findKey,
  subtract,
  toElements,
  toValue,
  valueKey,
  valueText
} from "./datum.js"
import type { OvsdbError } from "./errors.js"
import { constraintViolation, ovsdbError } from "./errors.js"
import { HmapLayout, uuidHash } from "./hashOrder.js"
import { columnSetText, englishDelimiter } from "./text.js"

/** A row a transaction may change. */
export type MutableRow = { [column: string]: Value.Value }

/** A row the transaction touched (`struct ovsdb_txn_row`). */
export interface TxnRow {
  readonly table: TableState
  readonly uuid: string
  readonly hash: number
  /** The committed row; undefined for a row this transaction inserted. */
  readonly old: Value.Row | undefined
  /** The row now; undefined once deleted. */
  new: MutableRow | undefined
  /** Strong references to this row, as the commit counts them. */
  refs: number
  /** The columns that changed, once the commit determined them. */
  changed: Set<string> | "all"
  /** Weak references this row holds to rows deleted by the transaction, to remove at commit. */
  deletedRefs: Array<WeakRef>
  serial: number
  hmapNext: TxnRow | undefined
}

/** The rows of one table a transaction touched, and their hash map's layout. */
interface TxnTable {
  readonly state: TableState
  readonly rows: Map<string, TxnRow>
  readonly layout: HmapLayout<TxnRow>
  /** The walk in progress, and how many of the table's rows it visited. */
  serial: number
  processed: number
}

const changedColumn = (row: TxnRow, column: string): boolean => row.changed === "all" || row.changed.has(column)

const hasChanges = (row: TxnRow): boolean => row.changed === "all" || row.changed.size > 0

/** The elements of a column of a row, or none for a row that is not there. */
const elementsOf = (column: Column, row: Value.Row | undefined): Elements =>
  row === undefined ? { keys: [], values: column.isMap ? [] : undefined } : toElements(column.shape, row[column.name]!)

/**
 * `ovsdb_datum_added_removed`: what a column gained and lost. A column of at most one value
 * "changes" whole: everything old is removed and everything new added.
 */
const addedRemoved = (column: Column, old: Elements, now: Elements): { added: Elements; removed: Elements } => {
  const type = column.type
  if (type.max <= 1) return { added: now, removed: old }
  const addedKeys: Array<Value.Atom> = []
  const removedKeys: Array<Value.Atom> = []
  const isMap = type.value !== undefined
  const addedValues: Array<Value.Atom> | undefined = isMap ? [] : undefined
  const removedValues: Array<Value.Atom> | undefined = isMap ? [] : undefined
  let i = 0
  let j = 0
  while (i < old.keys.length || j < now.keys.length) {
    const c = i >= old.keys.length ? 1 : j >= now.keys.length ? -1 : type.key.compare(old.keys[i]!, now.keys[j]!)
    if (c < 0) {
      removedKeys.push(old.keys[i]!)
      removedValues?.push(old.values![i]!)
      i++
    } else if (c > 0) {
      addedKeys.push(now.keys[j]!)
      addedValues?.push(now.values![j]!)
      j++
    } else {
      if (isMap && type.value!.compare(old.values![i]!, now.values![j]!) !== 0) {
        removedKeys.push(old.keys[i]!)
        removedValues!.push(old.values![i]!)
        addedKeys.push(now.keys[j]!)
        addedValues!.push(now.values![j]!)
      }
      i++
      j++
    }
  }
  return { added: { keys: addedKeys, values: addedValues }, removed: { keys: removedKeys, values: removedValues } }
}

/** The UUIDs an element refers to through a base type that is a reference of this kind. */
const refAtoms = (column: Column, elements: Elements, kind: "strong" | "weak"): Array<{
  readonly table: string
  readonly uuid: string
  readonly index: number
}> => {
  const out: Array<{ table: string; uuid: string; index: number }> = []
  const { key, value } = column.type
  if (key.refType === kind) {
    elements.keys.forEach((atom, index) => out.push({ table: key.refTable!, uuid: (atom as Value.Uuid).value, index }))
  }
  if (value?.refType === kind) {
    elements.values!.forEach((atom, index) =>
      out.push({ table: value.refTable!, uuid: (atom as Value.Uuid).value, index })
    )
  }
  return out
}

/** Removes from `elements` the elements at `indexes`. */
const without = (elements: Elements, indexes: ReadonlySet<number>): Elements => ({
  keys: elements.keys.filter((_, i) => !indexes.has(i)),
  values: elements.values?.filter((_, i) => !indexes.has(i))
})

/** A key two rows share exactly when their values in these columns are equal. */
const rowKey = (columns: ReadonlyArray<Column>, row: Value.Row): string =>
  columns.length === 1 ? valueKey(columns[0]!, row[columns[0]!.name]!) : JSON.stringify(
    columns.map((column) => valueKey(column, row[column.name]!))
  )

/** `ovsdb_row_columns_to_string`: `a, b, and c`. */
const columnsText = (columns: ReadonlyArray<Column>, row: Value.Row): string =>
  columns.map((column, i) => `${englishDelimiter(i, columns.length)}${valueText(column, row[column.name]!)}`).join(
    ""
  )

/** A transaction: the rows it touched, in ovsdb-server's order, and its commit. */
export class Transaction {
  private readonly tables = new Map<string, TxnTable>()
  private serial = 0
  /** The rows `assessWeakRefs` has walked. */
  private readonly assessed = new Set<TxnRow>()

  constructor(readonly database: Database) {}

  /** The transaction's record of a row, when it touched it. */
  find(table: TableState, uuid: string): TxnRow | undefined {
    return this.tables.get(table.info.name)?.rows.get(uuid)
  }

  /** Whether an insert may give a row this UUID: none has it, and none had it in this transaction. */
  mayCreate(table: TableState, uuid: string): boolean {
    return !table.rows.has(uuid) && this.find(table, uuid) === undefined
  }

  private txnTable(table: TableState): TxnTable {
    let txnTable = this.tables.get(table.info.name)
    if (txnTable === undefined) {
      txnTable = { state: table, rows: new Map(), layout: new HmapLayout(), serial: 0, processed: 0 }
      this.tables.set(table.info.name, txnTable)
    }
    return txnTable
  }

  private add(
    table: TableState,
    uuid: string,
    old: Value.Row | undefined,
    now: MutableRow | undefined
  ): TxnRow {
    const row: TxnRow = {
      table,
      uuid,
      hash: uuidHash(uuid),
      old,
      new: now,
      refs: old === undefined ? 0 : table.refs.get(uuid) ?? 0,
      changed: new Set(),
      deletedRefs: [],
      serial: 0,
      hmapNext: undefined
    }
    const txnTable = this.txnTable(table)
    txnTable.rows.set(uuid, row)
    txnTable.layout.insert(row)
    return row
  }

  private forget(row: TxnRow): void {
    const txnTable = this.tables.get(row.table.info.name)!
    txnTable.rows.delete(row.uuid)
    txnTable.layout.remove(row)
    if (row.serial === txnTable.serial) txnTable.processed--
  }

  /** `ovsdb_txn_row_insert`: a new row (with `_uuid` and `_version` set). */
  insert(table: TableState, uuid: string, row: MutableRow): void {
    table.rows.set(uuid, row)
    this.add(table, uuid, undefined, row)
  }

  /** `ovsdb_txn_row_modify`: the writable version of a row that is there. */
  modify(table: TableState, uuid: string): MutableRow {
    const touched = this.find(table, uuid)
    if (touched?.new !== undefined) return touched.new
    const old = table.rows.get(uuid)!
    const copy: MutableRow = { ...old }
    table.rows.set(uuid, copy)
    this.add(table, uuid, old, copy)
    return copy
  }

  /** `ovsdb_txn_row_delete`: a row that is there goes; one this transaction inserted is forgotten. */
  delete(table: TableState, uuid: string): void {
    const row = table.rows.get(uuid)!
    table.rows.delete(uuid)
    const touched = this.find(table, uuid)
    if (touched === undefined) this.add(table, uuid, row, undefined)
    else if (touched.old !== undefined) touched.new = undefined
    else this.forget(touched)
  }

  /** `ovsdb_txn_abort`: every touched row as it was. */
  abort(): void {
    for (const txnTable of this.tables.values()) {
      for (const row of txnTable.rows.values()) {
        if (row.old !== undefined) txnTable.state.rows.set(row.uuid, row.old)
        else txnTable.state.rows.delete(row.uuid)
      }
    }
    this.tables.clear()
  }

  /**
   * `for_each_txn_row`: every row, rows added meanwhile included, table by table in the order the
   * transaction first touched them and within a table in its hash map's order; a table left with no
   * row leaves the transaction.
   */
  private forEach(visit: (row: TxnRow) => OvsdbError | undefined): OvsdbError | undefined {
    const serial = ++this.serial
    let work = true
    while (work) {
      work = false
      for (const [name, txnTable] of this.tables) {
        if (txnTable.serial !== serial) {
          txnTable.serial = serial
          txnTable.processed = 0
        }
        while (txnTable.processed < txnTable.rows.size) {
          let row = txnTable.layout.first()
          while (row !== undefined) {
            const next = txnTable.layout.next(row)
            if (row.serial !== serial) {
              row.serial = serial
              txnTable.processed++
              work = true
              const error = visit(row)
              if (error !== undefined) return error
            }
            row = next
          }
        }
        if (txnTable.rows.size === 0) this.tables.delete(name)
      }
    }
    return undefined
  }

  /** Makes the current walk visit this row again. */
  private rewalk(row: TxnRow): void {
    if (row.serial !== this.serial) return
    row.serial = 0
    this.tables.get(row.table.info.name)!.processed--
  }

  /** `find_or_make_txn_row`: the transaction's record of a row, pulling an untouched row in. */
  private findOrMake(tableName: string, uuid: string): TxnRow | undefined {
    const table = this.database.tables.get(tableName)!
    const touched = this.find(table, uuid)
    if (touched !== undefined || !table.rows.has(uuid)) return touched
    this.modify(table, uuid)
    return this.find(table, uuid)
  }

  /** `determine_changes`: notes the columns that changed; a row that did not change leaves. */
  private determineChanges(row: TxnRow): undefined {
    if (row.old === undefined || row.new === undefined) {
      row.changed = "all"
      return undefined
    }
    const changed = new Set<string>()
    for (const column of row.table.info.columnOrder) {
      if (!equalValues(column, row.old[column.name]!, row.new[column.name]!)) changed.add(column.name)
    }
    if (changed.size > 0) row.changed = changed
    else {
      row.table.rows.set(row.uuid, row.old)
      this.forget(row)
    }
    return undefined
  }

  /** `ovsdb_txn_adjust_atom_refs`: counts (or uncounts) the strong references of a column's elements. */
  private adjustRefs(row: TxnRow, column: Column, elements: Elements, delta: number): OvsdbError | undefined {
    for (const target of refAtoms(column, elements, "strong")) {
      if (target.uuid === row.uuid) continue // self-references don't count
      const targetRow = this.findOrMake(target.table, target.uuid)
      if (targetRow === undefined) {
        return ovsdbError(
          "referential integrity violation",
          `Table ${row.table.info.name} column ${column.name} row ${row.uuid} references nonexistent row ${target.uuid} in table ${target.table}.`
        )
      }
      targetRow.refs += delta
    }
    return undefined
  }

  /** `update_row_ref_count`. */
  private updateRefCount(row: TxnRow): OvsdbError | undefined {
    for (const column of row.table.info.strongColumns) {
      if (!changedColumn(row, column.name)) continue
      if (row.new === undefined) {
        const error = this.adjustRefs(row, column, elementsOf(column, row.old), -1)
        if (error !== undefined) return ovsdbError("internal error", `error decreasing refcount: ${error.details}`)
      } else if (row.old === undefined) {
        const error = this.adjustRefs(row, column, elementsOf(column, row.new), 1)
        if (error !== undefined) return error
      } else {
        const { added, removed } = addedRemoved(column, elementsOf(column, row.old), elementsOf(column, row.new))
        const error = this.adjustRefs(row, column, removed, -1)
        if (error !== undefined) return ovsdbError("internal error", `error decreasing refcount: ${error.details}`)
        const error2 = this.adjustRefs(row, column, added, 1)
        if (error2 !== undefined) return error2
      }
    }
    return undefined
  }

  /** `check_ref_count`: a deleted row nothing may still refer to. */
  private static checkRefCount(row: TxnRow): OvsdbError | undefined {
    return row.new !== undefined || row.refs === 0 ? undefined : ovsdbError(
      "referential integrity violation",
      `cannot delete ${row.table.info.name} row ${row.uuid} because of ${row.refs} remaining reference(s)`
    )
  }

  /**
   * `delete_garbage_row`: deletes an unreferenced row of a non-root table, then, depth first as
   * ovsdb-server recurses, each row only it referred to (a stack of its own: chains can be long).
   */
  private deleteGarbage(first: TxnRow): undefined {
    const stack: Array<{ readonly targets: ReadonlyArray<{ table: string; uuid: string }>; at: number }> = []
    const enter = (row: TxnRow) => {
      if (row.table.info.isRoot) return
      const deleted = row.new!
      row.new = undefined
      row.table.rows.delete(row.uuid)
      const targets = row.table.info.strongColumns.flatMap((column) =>
        refAtoms(column, toElements(column.shape, deleted[column.name]!), "strong")
      )
      stack.push({ targets: targets.filter((target) => target.uuid !== row.uuid), at: 0 })
    }
    enter(first)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (top.at >= top.targets.length) {
        stack.pop()
        continue
      }
      const { table, uuid } = top.targets[top.at++]!
      const target = this.findOrMake(table, uuid)
      if (target === undefined || target.new === undefined || target.refs === 0) continue
      if (--target.refs === 0) enter(target)
    }
    return undefined
  }

  /** `check_max_rows`: the tables the transaction touched hold at most `maxRows` rows. */
  private checkMaxRows(): OvsdbError | undefined {
    for (const { state } of this.tables.values()) {
      if (state.rows.size > state.info.maxRows) {
        return constraintViolation(
          `transaction causes "${state.info.name}" table to contain ${state.rows.size} rows, greater than the schema-defined limit of ${state.info.maxRows} row(s)`
        )
      }
    }
    return undefined
  }

  /** `assess_weak_refs`: removes weak references to rows that are not there. */
  private assessWeakRefs(row: TxnRow): OvsdbError | undefined {
    this.assessed.add(row)
    if (row.old !== undefined && row.new === undefined) {
      // Rows that refer weakly to this one must let go of it: queue the references to remove.
      for (const ref of row.table.weakIn.get(row.uuid) ?? []) {
        const source = this.findOrMake(ref.table, ref.uuid)
        if (source === undefined) continue
        if (!this.assessed.has(source)) source.deletedRefs.push(ref)
        else if (ref.column.type.max === 1) {
          // Walked already: ovsdb-server 3.1 still empties a column of at most one element (the
          // row is walked again); a set or a map keeps the reference.
          source.deletedRefs.push(ref)
          this.rewalk(source)
        }
      }
    }
    if (row.new === undefined) return undefined
    for (const column of row.table.info.weakColumns) {
      const before = elementsOf(column, row.new)
      let now = before
      const queued = row.deletedRefs.filter((ref) => ref.column === column)
      if (queued.length > 0) {
        row.deletedRefs = row.deletedRefs.filter((ref) => ref.column !== column)
        now = subtract(column.type, now, elementsOfRefs(column.type, queued))
      }
      let zero = false
      if (now.keys.length !== before.keys.length || changedColumn(row, column.name)) {
        const added = row.old === undefined ? now : addedRemoved(column, elementsOf(column, row.old), now).added
        const gone: Array<{ key: Value.Atom; value: Value.Atom | undefined }> = []
        for (const target of refAtoms(column, added, "weak")) {
          if (this.database.tables.get(target.table)!.rows.has(target.uuid)) continue
          if (target.uuid === Value.ZERO_UUID) zero = true
          gone.push({ key: added.keys[target.index]!, value: added.values?.[target.index] })
        }
        if (gone.length > 0) {
          const indexes = new Set<number>()
          for (const { key, value } of gone) {
            const at = findKey(column.type, now.keys, key)
            if (at >= 0 && (value === undefined || column.type.value!.compare(now.values![at]!, value) === 0)) {
              indexes.add(at)
            }
          }
          now = without(now, indexes)
        }
      }
      if (now.keys.length === before.keys.length) continue
      row.new[column.name] = toValue(column.shape, now)
      if (row.changed !== "all") row.changed.add(column.name)
      if (now.keys.length < column.type.min) {
        const table = row.table.info.name
        return constraintViolation(
          zero && row.old === undefined
            ? `Weak reference column "${column.name}" in "${table}" row ${row.uuid} (inserted within this transaction) contained all-zeros UUID (probably as the default value for this column) but deleting this value caused a constraint volation because this column is not allowed to be empty.`
            : `Deletion of ${
              before.keys.length - now.keys.length
            } weak reference(s) to deleted (or never-existing) rows from column "${column.name}" in "${table}" row ${row.uuid} ${
              row.old === undefined ? "(inserted within this transaction) " : ""
            }caused this column to become empty, but constraints on this column disallow an empty column.`
        )
      }
    }
    return undefined
  }

  /** `duplicate_index_row__`: what became of one of two rows an index finds twice. */
  private duplicateRowText(
    table: TableState,
    index: ReadonlyArray<Column>,
    uuid: string,
    row: Value.Row,
    title: string
  ): string {
    const touched = this.find(table, uuid)
    const state = touched === undefined || !hasChanges(touched)
      ? "existed in the database before this transaction and was not modified by the transaction."
      : touched.old === undefined
      ? "was inserted by this transaction."
      : index.every((column) => equalValues(column, touched.old![column.name]!, row[column.name]!))
      ? "existed in the database before this transaction, which modified some of the row's columns but not any columns in this index."
      : `had the following index values before the transaction: ${columnsText(index, touched.old)}.`
    return `${title} row, with UUID ${uuid}, ${state}`
  }

  /** `duplicate_index_row`: the "constraint violation" of two rows with the same index values. */
  private duplicateIndexRow(
    table: TableState,
    index: ReadonlyArray<Column>,
    a: { readonly uuid: string; readonly row: Value.Row },
    b: { readonly uuid: string; readonly row: Value.Row }
  ): OvsdbError {
    let first = a
    let second = b
    for (const column of table.info.columnOrder) {
      const c = compareValues(column, a.row[column.name]!, b.row[column.name]!)
      if (c !== 0) {
        if (c < 0) [first, second] = [b, a]
        break
      }
    }
    return constraintViolation(
      `Transaction causes multiple rows in "${table.info.name}" table to have identical values (${
        columnsText(index, first.row)
      }) for index on ${columnSetText(index.map((column) => column.name))}.  ${
        this.duplicateRowText(table, index, first.uuid, first.row, "First")
      }  ${this.duplicateRowText(table, index, second.uuid, second.row, "Second")}`
    )
  }

  /** `check_index_uniqueness`, with the index of the rows checked so far. */
  private checkIndexes(seen: Map<TableState, Array<Map<string, TxnRow>>>, row: TxnRow): OvsdbError | undefined {
    const now = row.new
    if (now === undefined) return undefined
    const table = row.table
    let txnIndexes = seen.get(table)
    if (txnIndexes === undefined) {
      txnIndexes = table.info.indexes.map(() => new Map())
      seen.set(table, txnIndexes)
    }
    for (let i = 0; i < table.info.indexes.length; i++) {
      const index = table.info.indexes[i]!
      const key = rowKey(index, now)
      const other = txnIndexes[i]!.get(key)
      if (other !== undefined) {
        return this.duplicateIndexRow(table, index, { uuid: other.uuid, row: other.new! }, { uuid: row.uuid, row: now })
      }
      const committed = table.indexes[i]!.get(key)
      if (committed !== undefined && this.find(table, committed) === undefined) {
        return this.duplicateIndexRow(table, index, { uuid: committed, row: table.rows.get(committed)! }, {
          uuid: row.uuid,
          row: now
        })
      }
      txnIndexes[i]!.set(key, row)
    }
    return undefined
  }

  /**
   * `ovsdb_txn_precommit` and, when it succeeds, the commit itself: the changes, in the order of the
   * walk. Fails with the first error found; the caller then aborts.
   */
  commit(): OvsdbError | ReadonlyArray<Change> {
    this.forEach((row) => this.determineChanges(row))
    if (this.tables.size === 0) return []
    const errors = [
      () => this.forEach((row) => this.updateRefCount(row)),
      () => this.forEach((row) => Transaction.checkRefCount(row)),
      () => this.forEach((row) => row.new !== undefined && row.refs === 0 ? this.deleteGarbage(row) : undefined),
      () => this.checkMaxRows(),
      () => this.forEach((row) => this.assessWeakRefs(row)),
      () => {
        const seen = new Map<TableState, Array<Map<string, TxnRow>>>()
        return this.forEach((row) => this.checkIndexes(seen, row))
      }
    ]
    for (const step of errors) {
      const error = step()
      if (error !== undefined) return error
    }
    const changes: Array<Change> = []
    this.forEach((row) => {
      if (row.old !== undefined && row.new !== undefined) {
        if (!hasChanges(row)) return undefined
        row.new._version = Value.uuid(this.database.newUuid())
      }
      if (row.old !== undefined || row.new !== undefined) {
        changes.push({ table: row.table.info.name, uuid: row.uuid, old: row.old, new: row.new })
      }
      return undefined
    })
    this.apply()
    return changes
  }

  /** `ovsdb_txn_complete`: reference counts, weak references and indexes follow the committed rows. */
  private apply(): void {
    for (const { rows, state } of this.tables.values()) {
      for (const row of rows.values()) {
        if (row.new !== undefined && row.refs > 0) state.refs.set(row.uuid, row.refs)
        else state.refs.delete(row.uuid)
        if (row.old !== undefined && row.new === undefined) state.weakIn.delete(row.uuid)
        if (hasChanges(row) || row.new === undefined) this.applyWeakRefs(row)
        for (let i = 0; i < state.info.indexes.length; i++) {
          const index = state.info.indexes[i]!
          if (row.old !== undefined) {
            const key = rowKey(index, row.old)
            if (state.indexes[i]!.get(key) === row.uuid) state.indexes[i]!.delete(key)
          }
        }
      }
    }
    for (const { rows, state } of this.tables.values()) {
      for (const row of rows.values()) {
        if (row.new === undefined) continue
        for (let i = 0; i < state.info.indexes.length; i++) {
          state.indexes[i]!.set(rowKey(state.info.indexes[i]!, row.new), row.uuid)
        }
      }
    }
    this.tables.clear()
  }

  /** Replaces the weak references a row held with those it holds now (to rows that are there). */
  private applyWeakRefs(row: TxnRow): void {
    for (const column of row.table.info.weakColumns) {
      const tableName = row.table.info.name
      const old = refAtoms(column, elementsOf(column, row.old), "weak")
      const now = row.new === undefined ? [] : refAtoms(column, elementsOf(column, row.new), "weak")
      for (const target of old) {
        const targetTable = this.database.tables.get(target.table)!
        const refs = targetTable.weakIn.get(target.uuid)
        if (refs === undefined) continue
        const kept = refs.filter((ref) => !(ref.table === tableName && ref.uuid === row.uuid && ref.column === column))
        if (kept.length > 0) targetTable.weakIn.set(target.uuid, kept)
        else targetTable.weakIn.delete(target.uuid)
      }
      const elements = row.new === undefined ? undefined : elementsOf(column, row.new)
      for (const target of now) {
        const targetTable = this.database.tables.get(target.table)!
        if (!targetTable.rows.has(target.uuid) || (target.table === tableName && target.uuid === row.uuid)) continue
        const refs = targetTable.weakIn.get(target.uuid) ?? []
        refs.push({
          table: tableName,
          uuid: row.uuid,
          column,
          key: elements!.keys[target.index]!,
          value: elements!.values?.[target.index]
        })
        targetTable.weakIn.set(target.uuid, refs)
      }
    }
  }
}

/** The weak references queued for removal, as elements of the column's type. */
const elementsOfRefs = (type: DatumType, refs: ReadonlyArray<WeakRef>): Elements => {
  const sorted = [...refs].sort((a, b) => type.key.compare(a.key, b.key))
  return {
    keys: sorted.map((ref) => ref.key),
    values: type.value === undefined ? undefined : sorted.map((ref) => ref.value!)
  }
}
