import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

export type CopyValue = string | number | boolean | null;

const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const COPY_SPECIAL = /[\\\t\n\r]/;
// The same characters, global, for replace (the test above keeps no lastIndex between calls).
const COPY_SPECIALS = new RegExp(COPY_SPECIAL.source, "g");

/**
 * A value as a field of COPY's text format: null as \N; backslash, tab, newline and carriage
 * return escaped. Tested before replacing: most fields (hashes, numbers) have none, and the test
 * alone takes half the time of a replace that finds nothing.
 */
function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  const text = String(value);
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]) : text;
}

/**
 * Writes `rows` (values in the order of `columns`) into `table` with one `COPY … FROM STDIN` on
 * `client`: one statement, so all rows or none, in PostgreSQL's own text format, which it reads
 * faster than the same rows as unnested array parameters (docs/benchmarks.md). A refusal by the
 * server (a constraint) leaves the connection usable: the server drops the rest of the copy. Any
 * other failure (a connection cut part way) calls `discard`, so the connection is not reused.
 */
export async function copyRows(
  client: pg.ClientBase,
  discard: (reason: true) => void,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
): Promise<void> {
  let text = "";
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) text += (i === 0 ? "" : "\t") + copyField(row[i]);
    text += "\n";
  }
  try {
    await pipeline(Readable.from([text]), client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`)));
  } catch (error) {
    if (!(error instanceof pg.DatabaseError)) discard(true);
    throw error;
  }
}
