import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { createKeccak } from "hash-wasm";
import { KppeError } from "../errors.ts";

/** Lucid's unit: 5 MiB. */
export const DEFAULT_CHUNK_SIZE = 5 * 1024 * 1024;
/** Reads are at most this large, whatever the chunk size, so memory stays flat. */
const READ_SIZE = 1024 * 1024;

export interface InputFile {
  /** Path inside the session (POSIX separators); a single-file input is its base name. */
  path: string;
  absolute: string;
  size: number;
}

/**
 * The files of a session: a single file, or every regular file under a directory (symbolic links
 * and other special files are left out) sorted by their relative path's bytes, so the order never
 * depends on the file system.
 */
export async function listInput(input: string): Promise<InputFile[]> {
  const info = await stat(input).catch((cause) => {
    throw new KppeError("INPUT_NOT_FOUND", `cannot read ${input}: ${(cause as Error).message}`, { cause });
  });
  if (info.isFile()) return [{ path: basename(input), absolute: input, size: info.size }];
  if (!info.isDirectory()) throw new KppeError("BAD_INPUT", `${input} is neither a file nor a directory`);
  const entries = await readdir(input, { recursive: true, withFileTypes: true });
  const files: InputFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const absolute = join(entry.parentPath, entry.name);
    files.push({ path: relative(input, absolute).split(sep).join("/"), absolute, size: (await stat(absolute)).size });
  }
  if (files.length === 0) throw new KppeError("EMPTY_INPUT", `${input} holds no files to anchor`);
  return files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

export interface HashedChunk {
  /** Byte offset in its file. */
  offset: number;
  size: number;
  /** keccak256 of the chunk's bytes. */
  hash: string;
}

/**
 * Streams `path` and yields the keccak256 of each `chunkSize`-byte chunk (the last may be
 * shorter). An empty file is one empty chunk, so every file is committed to. Memory use is one
 * read buffer, whatever the file's size.
 */
export async function* hashChunks(path: string, chunkSize: number, onBytes?: (bytes: number) => void): AsyncGenerator<HashedChunk> {
  const hasher = await createKeccak(256);
  let offset = 0;
  let filled = 0;
  let emitted = false;
  for await (const buffer of createReadStream(path, { highWaterMark: Math.min(chunkSize, READ_SIZE) }) as AsyncIterable<Buffer>) {
    for (let at = 0; at < buffer.length; ) {
      const take = Math.min(chunkSize - filled, buffer.length - at);
      hasher.update(buffer.subarray(at, at + take));
      filled += take;
      at += take;
      if (filled === chunkSize) {
        yield { offset, size: filled, hash: `0x${hasher.digest("hex")}` };
        offset += filled;
        filled = 0;
        emitted = true;
        hasher.init();
      }
    }
    onBytes?.(buffer.length);
  }
  if (filled > 0 || !emitted) yield { offset, size: filled, hash: `0x${hasher.digest("hex")}` };
}
