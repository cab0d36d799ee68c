import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { closeSync, mkdirSync, rmSync, openSync, readFileSync, writeFileSync, writeSync, ftruncateSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, ZeroHash, type Contract } from "ethers";
import { KppeError } from "../../src/errors.ts";
import type { RecorderChain } from "../../src/chain/recorderChain.ts";
import { anchorSession } from "../../src/session/anchor.ts";
import { hashChunks, listInput } from "../../src/session/chunks.ts";
import { hashFiles, type SessionManifest } from "../../src/session/manifest.ts";
import { checkManifest, checkOnChain, compareChunk, compareInput } from "../../src/session/verify.ts";
import { devWallet, openRecorderChain, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { hardhat } from "../helpers/hardhatCli.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const NODE = new URL("../../node_modules/.bin/node", import.meta.url).pathname;
const KiB = 1024;
const MiB = 1024 * KiB;

function tempDir(tag: string): string {
  return tempDirectory(`kppe-session-${tag}-`);
}

/** Deterministic bytes that differ at every position, so any misplaced chunk boundary shows. */
function pattern(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** A recorded session: nested files, one exactly 3 chunks long, one empty, one ragged. */
function makeRecording(chunkSize: number): string {
  // A folder inside the temporary one, so the manifest written beside it is removed with it.
  const dir = join(tempDir("rec"), "recording");
  mkdirSync(join(dir, "video"), { recursive: true });
  writeFileSync(join(dir, "video", "cam-1.webm"), pattern(3 * chunkSize, 1));
  writeFileSync(join(dir, "video", "cam-2.webm"), pattern(2 * chunkSize + 123, 2));
  writeFileSync(join(dir, "chat.log"), pattern(77, 3));
  writeFileSync(join(dir, "empty.txt"), "");
  return dir;
}

const chunkHashes = (bytes: Buffer, chunkSize: number) => {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) out.push(keccak256(bytes.subarray(at, at + chunkSize)));
  return out.length ? out : [keccak256(new Uint8Array())];
};

describe("Lucid session chunking", function () {
  it("hashes each chunk with keccak256, streamed: an empty file is one empty chunk, an exact multiple has no extra chunk", async () => {
    const dir = tempDir("chunks");
    // 1.5 MiB chunks: boundaries fall inside the 1 MiB reads.
    const chunkSize = 1.5 * MiB;
    for (const size of [0, 1, chunkSize - 1, chunkSize, 3 * chunkSize, 3 * chunkSize + 5]) {
      const bytes = pattern(size, size % 251);
      const file = join(dir, `f-${size}`);
      writeFileSync(file, bytes);
      const chunks = [];
      for await (const chunk of hashChunks(file, chunkSize)) chunks.push(chunk);
      assert.deepEqual(
        chunks.map((c) => c.hash),
        chunkHashes(bytes, chunkSize),
        `file of ${size} bytes`,
      );
      assert.deepEqual(
        chunks.map((c) => c.offset),
        chunks.map((_, i) => i * chunkSize),
      );
      assert.equal(
        chunks.reduce((n, c) => n + c.size, 0),
        size,
      );
    }
  });

  it("takes a directory's regular files in path order, whatever order they were written in", async () => {
    const dir = makeRecording(4 * KiB);
    const files = await listInput(dir);
    assert.deepEqual(
      files.map((f) => f.path),
      ["chat.log", "empty.txt", "video/cam-1.webm", "video/cam-2.webm"],
    );
    const { files: listed, chunks } = await hashFiles(files, 4 * KiB);
    assert.deepEqual(
      listed.map((f) => [f.path, f.first_chunk, f.chunk_count]),
      [
        ["chat.log", 0, 1],
        ["empty.txt", 1, 1],
        ["video/cam-1.webm", 2, 3],
        ["video/cam-2.webm", 5, 3],
      ],
    );
    assert.equal(chunks[1].hash, keccak256(new Uint8Array()));
    await assert.rejects(listInput(tempDir("empty-dir")), (e: unknown) => e instanceof KppeError && e.code === "EMPTY_INPUT");
  });

  it("memory stays flat: hashing 512 MiB peaks within 48 MiB of hashing 16 MiB (separate processes)", async function () {
    this.timeout(120_000);
    const run = async (size: number) => {
      const file = join(tempDir("large"), "big.bin");
      const fd = openSync(file, "w");
      writeSync(fd, pattern(MiB, 9)); // real bytes at the start, the rest a sparse file read as zeros
      ftruncateSync(fd, size);
      closeSync(fd);
      const { stdout } = await promisify(execFile)(NODE, ["--no-warnings", new URL("../../scripts/session-hash-memory.ts", import.meta.url).pathname, file, String(5 * MiB)]);
      return JSON.parse(stdout) as { chunks: number; maxRssBytes: number };
    };
    const small = await run(16 * MiB);
    const large = await run(512 * MiB);
    assert.equal(small.chunks, 4);
    assert.equal(large.chunks, 103);
    const growth = large.maxRssBytes - small.maxRssBytes;
    assert.ok(growth < 48 * MiB, `peak memory grew by ${(growth / MiB).toFixed(1)} MiB from 16 MiB to 512 MiB of input (${(small.maxRssBytes / MiB).toFixed(0)} -> ${(large.maxRssBytes / MiB).toFixed(0)} MiB)`);
  });
});

describe("Lucid session anchoring on ProofRecorder", function () {
  this.timeout(60_000);
  const CHUNK = 4 * KiB;
  let chain: LocalChain;
  let recorder: Contract;
  let recorderChain: RecorderChain;
  before(async () => {
    chain = await startLocalChain();
  });
  after(async () => {
    await chain.close();
  });
  beforeEach(async () => {
    recorder = await chain.deployRecorder(devWallet(3).address);
    const contract = (await recorder.getAddress()).toLowerCase();
    recorderChain = await openRecorderChain(chain.url, contract, 3);
  });
  afterEach(() => recorderChain.close());

  async function anchor(input: string, sessionId: string): Promise<{ manifest: SessionManifest; manifestPath: string }> {
    const manifestPath = join(tempDir("manifest"), "session.manifest.json");
    const manifest = await anchorSession({
      input,
      sessionId,
      owner: devWallet(7).address,
      startedAt: 1_795_000_000,
      chunkSize: CHUNK,
      manifestPath,
      chain: recorderChain,
      confirmations: 1,
      log: () => undefined,
    });
    return { manifest, manifestPath };
  }

  it("registers the manifest; the tree is OpenZeppelin's over the chunk hashes, and every chunk verifies off-chain and on-chain", async () => {
    const dir = makeRecording(CHUNK);
    const { manifest, manifestPath } = await anchor(dir, "session-1");
    assert.deepEqual(JSON.parse(readFileSync(manifestPath, "utf8")), manifest);
    assert.equal(manifest.chunk_count, 8);
    const leaves = manifest.chunks.map((c) => c.hash);
    const padded = [...leaves, ...Array(8 - leaves.length).fill(ZeroHash)];
    assert.equal(manifest.root, SimpleMerkleTree.of(padded, { sortLeaves: false }).root);

    const record = await recorder.getSession(manifest.session_key);
    assert.equal(record.manifestHash, manifest.manifest_hash);
    assert.equal(record.merkleRoot, manifest.root);
    assert.equal(Number(record.chunkCount), 8);
    assert.equal(record.owner, devWallet(7).address);
    assert.equal(Number(record.startedAt), 1_795_000_000);
    assert.equal(manifest.anchor?.tx_hash, (await chain.provider.getTransactionReceipt(manifest.anchor!.tx_hash))?.hash);

    const checks = [...checkManifest(manifest), await compareInput(manifest, dir), ...(await checkOnChain(manifest, recorderChain, manifest.chunks.map((c) => c.index)))];
    assert.ok(checks.every((c) => c.ok), JSON.stringify(checks.filter((c) => !c.ok)));
  });

  it("a tampered chunk is named; an edited manifest fails its hash; a missing or extra file is reported", async () => {
    const dir = makeRecording(CHUNK);
    const { manifest } = await anchor(dir, "session-tamper");
    const cam2 = join(dir, "video", "cam-2.webm");
    const bytes = readFileSync(cam2);
    bytes[CHUNK + 10] ^= 1; // the second chunk of cam-2, chunk 6 of the session
    writeFileSync(cam2, bytes);
    const result = await compareInput(manifest, dir);
    assert.equal(result.ok, false);
    assert.match(result.detail, new RegExp(`^chunk 6 \\(video/cam-2.webm, bytes ${CHUNK}-${2 * CHUNK - 1}\\) differs: manifest 0x[0-9a-f]{64}, input 0x[0-9a-f]{64}$`));

    const chunkFile = join(tempDir("one"), "chunk-6.bin");
    writeFileSync(chunkFile, bytes.subarray(CHUNK, 2 * CHUNK));
    assert.equal((await compareChunk(manifest, chunkFile, 6)).ok, false);
    bytes[CHUNK + 10] ^= 1;
    writeFileSync(chunkFile, bytes.subarray(CHUNK, 2 * CHUNK));
    assert.equal((await compareChunk(manifest, chunkFile, 6)).ok, true);

    const edited = structuredClone(manifest);
    edited.chunks[6].hash = keccak256("0x01");
    assert.equal(checkManifest(edited).find((c) => c.name === "manifest hash")?.ok, false);

    writeFileSync(cam2, bytes); // restored
    rmSync(join(dir, "empty.txt"));
    assert.equal((await compareInput(manifest, dir)).detail, "chunk 1 (empty.txt, empty) differs: empty.txt is missing from the input");
    writeFileSync(join(dir, "empty.txt"), "");
    writeFileSync(join(dir, "extra.txt"), "x");
    assert.match((await compareInput(manifest, dir)).detail, /the input has files the manifest does not list: extra.txt/);
    writeFileSync(join(dir, "chat.log"), pattern(78, 3)); // one byte longer
    assert.match((await compareInput(manifest, dir)).detail, /^chunk 0 \(chat.log, bytes 0-76\) differs/);
  });

  it("registering the same session twice is refused before anything is sent", async () => {
    const file = join(tempDir("single"), "call.webm");
    writeFileSync(file, pattern(3 * CHUNK, 5));
    await anchor(file, "same-session");
    const nonce = await chain.provider.getTransactionCount(devWallet(3).address);
    await assert.rejects(
      anchor(file, "same-session"),
      (e: unknown) => e instanceof KppeError && e.code === "SESSION_EXISTS" && /is already registered on chain 31337 .*choose another --session-id/.test(e.message),
    );
    assert.equal(await chain.provider.getTransactionCount(devWallet(3).address), nonce, "no transaction sent");
  });

  it("session:anchor killed after registerSession was sent finishes the manifest when run again", async function () {
    this.timeout(120_000);
    const recorder = await chain.deployRecorder(devWallet(0).address);
    const contract = (await recorder.getAddress()).toLowerCase();
    const dir = makeRecording(CHUNK);
    const command = ["session:anchor", "--input", dir, "--session-id", "crash-session", "--chunk-size", String(CHUNK), "--rpc-url", chain.url, "--contract", contract];
    const crashed = await hardhat(command, { env: { KPPE_FAILPOINT: "session-after-send" } });
    assert.equal(crashed.signal, "SIGKILL", crashed.stdout + crashed.stderr);
    const sent = /TX sent: (0x[0-9a-f]{64}) \(registerSession\)/.exec(crashed.stdout)?.[1];
    assert.ok(sent, crashed.stdout);
    assert.equal(JSON.parse(readFileSync(`${dir}.manifest.json`, "utf8")).anchor, undefined, "the crash left the manifest without its anchor");

    const resumed = await hardhat(command);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`Resuming: registerSession was sent before this command last stopped \\(TX ${sent}\\)`));
    const manifest = JSON.parse(readFileSync(`${dir}.manifest.json`, "utf8"));
    assert.equal(manifest.anchor.tx_hash, sent, "the manifest names the transaction that registered it; nothing was sent twice");
    assert.equal((await recorder.queryFilter(recorder.filters.SessionRegistered())).length, 1);
    const verified = await hardhat(["session:verify", "--manifest", `${dir}.manifest.json`, "--input", dir, "--rpc-url", chain.url, "--contract", contract]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  it("session:anchor killed before its registration was mined, which the node then forgot, sends the same bytes again when run again", async function () {
    this.timeout(120_000);
    const recorder = await chain.deployRecorder(devWallet(0).address);
    const contract = (await recorder.getAddress()).toLowerCase();
    const dir = makeRecording(CHUNK);
    const command = ["session:anchor", "--input", dir, "--session-id", "dropped-session", "--chunk-size", String(CHUNK), "--rpc-url", chain.url, "--contract", contract];
    // No block until the test says: the registration stays in the mempool.
    await chain.rpc("evm_setAutomine", [false]);
    await chain.rpc("evm_setIntervalMining", [0]);
    try {
      const crashed = await hardhat(command, { env: { KPPE_FAILPOINT: "session-after-broadcast" } });
      assert.equal(crashed.signal, "SIGKILL", crashed.stdout + crashed.stderr);
      const sent = /TX sent: (0x[0-9a-f]{64}) \(registerSession\)/.exec(crashed.stdout)?.[1];
      assert.ok(sent, crashed.stdout);
      assert.equal(await chain.rpc("hardhat_dropTransaction", [sent]), true, "the node forgets it (a restart, a full mempool)");
      await chain.rpc("evm_setAutomine", [true]);

      const resumed = await hardhat(command);
      assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
      assert.match(resumed.stdout, new RegExp(`Resuming: registerSession was sent before this command last stopped \\(TX ${sent}\\)`));
      assert.match(resumed.stdout + resumed.stderr, /is unknown to the node -- sending the same signed transaction again/);
      const manifest = JSON.parse(readFileSync(`${dir}.manifest.json`, "utf8"));
      assert.equal(manifest.anchor.tx_hash, sent, "the bytes signed before the crash are the ones that registered it");
      assert.equal((await recorder.queryFilter(recorder.filters.SessionRegistered())).length, 1);
    } finally {
      await chain.rpc("evm_setAutomine", [true]);
      await chain.rpc("evm_setIntervalMining", [100]);
    }
  });

  it("session:anchor and session:verify as a user runs them (real processes)", async function () {
    this.timeout(120_000);
    const cli = await chain.deployRecorder(devWallet(0).address);
    const contract = (await cli.getAddress()).toLowerCase();
    const dir = makeRecording(CHUNK);
    const anchored = await hardhat(["session:anchor", "--input", dir, "--session-id", "cli-session", "--chunk-size", String(CHUNK), "--rpc-url", chain.url, "--contract", contract]);
    assert.equal(anchored.code, 0, anchored.stdout + anchored.stderr);
    assert.match(anchored.stdout, /Session "cli-session": 8 chunks of 4 files/);
    assert.match(anchored.stdout + anchored.stderr, /Hashing: .*MiB \(100%\)/);
    const manifestPath = `${dir}.manifest.json`;
    // The follow-up command it prints works as printed (it names the chain and contract it used).
    const printed = /Check it any time with: npx hardhat (.+) \(session 0x[0-9a-f]{64}\)/.exec(anchored.stdout)?.[1];
    assert.ok(printed, anchored.stdout);
    assert.ok(printed.includes(`--rpc-url ${chain.url}`) && printed.includes(`--contract ${contract}`), printed);
    const verified = await hardhat(printed.split(" "));
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /VERIFIED: .* is session "cli-session", registered on chain 31337/);

    const again = await hardhat(["session:anchor", "--input", dir, "--session-id", "cli-session", "--chunk-size", String(CHUNK), "--rpc-url", chain.url, "--contract", contract]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr + again.stdout, /session "cli-session" \(0x[0-9a-f]{64}\) is already registered/);

    const cam1 = join(dir, "video", "cam-1.webm");
    const bytes = readFileSync(cam1);
    bytes[2 * CHUNK] ^= 0xff; // first byte of cam-1's third chunk: chunk 4
    writeFileSync(cam1, bytes);
    const elsewhere = await hardhat(["session:verify", "--manifest", manifestPath, "--rpc-url", chain.url, "--contract", "0x" + "12".repeat(20)]);
    assert.equal(elsewhere.code, 1, elsewhere.stdout + elsewhere.stderr);
    assert.match(elsewhere.stdout, /^FAIL +contract +the record names 0x[0-9a-f]{40}, the verifier trusts 0x1212/m);
    const offline = await hardhat(["session:verify", "--manifest", manifestPath, "--offline"]);
    assert.match(offline.stdout, /^skip +on chain +not checked on chain \(--offline\)/m);
    assert.doesNotMatch(offline.stdout, /^VERIFIED:/m, "a check not made is never reported as passed");

    const refused = await hardhat(["session:verify", "--manifest", manifestPath, "--input", dir, "--rpc-url", chain.url, "--contract", contract]);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /FAIL {2}input +chunk 4 \(video\/cam-1.webm, bytes 8192-12287\) differs/);
  });
});
