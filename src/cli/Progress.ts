/**
 * Progress of long work on standard error — a dump, or a monitor's initial contents — for a person
 * watching a terminal: the bytes received so far, then the rows they held, on one line rewritten
 * in place (`\r`, then erase to the end of the line), and erased before the output begins. When
 * standard error is not a terminal nothing is written at all, so pipes and scripts see exactly
 * what ovsdb-client writes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"

/** How often the line is rewritten while bytes come in, at most. */
const INTERVAL_MS = 100

/** Back to the line's start, and erase it (ECMA-48 CR, EL). */
const ERASE = "\r\u001b[K"

/**
 * A running account of the work.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** Whether anything is shown: when not, there is no need to count. */
  readonly active: boolean
  /** Counts bytes received; called as they arrive. */
  readonly received: (bytes: number) => void
  /** Shows the rows the bytes held, once they are read. */
  readonly rows: (rows: number) => Effect.Effect<void>
  /** Erases the line, before the output is printed; nothing is shown after. */
  readonly done: Effect.Effect<void>
}

/**
 * Where progress goes: whether standard error is a terminal, a way to write to it, and a clock.
 *
 * @since 0.1.0
 * @category models
 */
export interface Terminal {
  readonly isTTY: boolean
  readonly write: (text: string) => void
  readonly now: () => number
}

/**
 * Standard error of this process.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stderr: Terminal = {
  isTTY: process.stderr.isTTY === true,
  write: (text) => {
    process.stderr.write(text)
  },
  now: () => Date.now()
}

/**
 * Bytes as a person reads them: `512 B`, `1.5 kB`, `37.9 MB` (decimal units).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatBytes = (bytes: number): string =>
  bytes < 1000 ? `${bytes} B` : bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : bytes < 1e9
    ? `${(bytes / 1e6).toFixed(1)} MB`
    : `${(bytes / 1e9).toFixed(2)} GB`

/** Progress that shows nothing. */
const silent: Progress = { active: false, received: () => undefined, rows: () => Effect.void, done: Effect.void }

/**
 * Progress of `what` (`dump`, `monitor`) on the terminal, or none when it is not a terminal.
 *
 * @example
 * ```ts
 * const progress = Progress.make("dump", Progress.stderr)
 * progress.received(65536) // effect-ovsdb: dump: 65.5 kB received
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (what: string, terminal: Terminal): Progress => {
  if (!terminal.isTTY) return silent
  let bytes = 0
  let shown = false
  let finished = false
  let last = Number.NEGATIVE_INFINITY
  const show = (rows?: number) => {
    shown = true
    const counted = rows === undefined ? "" : `, ${rows} row${rows === 1 ? "" : "s"}`
    terminal.write(`${ERASE}effect-ovsdb: ${what}: ${formatBytes(bytes)} received${counted}`)
  }
  return {
    active: true,
    received: (n) => {
      bytes += n
      if (finished) return
      const now = terminal.now()
      if (now - last < INTERVAL_MS) return
      last = now
      show()
    },
    rows: (rows) => Effect.sync(() => finished ? undefined : show(rows)),
    done: Effect.sync(() => {
      if (shown && !finished) terminal.write(ERASE)
      finished = true
    })
  }
}
