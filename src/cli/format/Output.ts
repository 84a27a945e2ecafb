/**
 * Standard output for text that comes in pieces: the pieces are gathered into chunks of whole
 * lines of about 64 KiB and each chunk is written as it fills, so that a large table goes out while
 * it is produced, never as one giant string. A piece may end inside a line (ovsdb-client writes
 * `last_id: …` and the table after it on one line in HTML): that part waits for the rest of its
 * line.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/** About how much text a chunk holds before it is written. */
const CHUNK = 64 * 1024

/**
 * Writes text that comes in pieces.
 *
 * @since 0.1.0
 * @category models
 */
export interface Output {
  /** Writes the pieces' text, every whole line of it by the time this completes. */
  readonly write: (pieces: Iterable<string>) => Effect.Effect<void>
}

/**
 * An output to standard output, through `Console`: each chunk written is whole lines, logged
 * without its last line's end (`Console.log` adds it). A line is never split, so a one-line JSON
 * table goes out whole, as ovsdb-client writes it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Output => {
  /** The current line's pieces, before its end. */
  let line: Array<string> = []
  /** Text up to a line's end, not written yet: each entry ends where a line does. */
  let ready: Array<string> = []
  let readyLength = 0
  const flush = Effect.suspend(() => {
    if (ready.length === 0) return Effect.void
    const text = ready.join("\n")
    ready = []
    readyLength = 0
    return Console.log(text)
  })
  /** Takes a piece in; true when enough is ready to be written. */
  const take = (piece: string): boolean => {
    const end = piece.lastIndexOf("\n")
    if (end < 0) {
      if (piece !== "") line.push(piece)
      return false
    }
    line.push(piece.slice(0, end))
    const text = line.join("")
    ready.push(text)
    readyLength += text.length + 1
    line = end + 1 < piece.length ? [piece.slice(end + 1)] : []
    return readyLength >= CHUNK
  }
  return {
    write: (pieces) =>
      Effect.gen(function*() {
        for (const piece of pieces) {
          if (take(piece)) yield* flush
        }
        yield* flush
      })
  }
}
