import { cosign } from "../log/cosignature.ts";
import { fromBase64, openCheckpoint, parseNote, type NoteSigner, type NoteVerifier } from "../log/note.ts";
import { verifyConsistency } from "../log/rfc9162.ts";
import type { StoredLog } from "../log/storedLog.ts";
import { CHECKPOINT_TYPES } from "../log/logSigner.ts";
import type { WitnessStore } from "../log/witnessStore.ts";
import { toHex } from "../hashing/hex.ts";

/** Most consistency proof lines a request may carry (C2SP tlog-witness). */
const MAX_PROOF_LINES = 63;
/** Seconds a caller should wait when this node has not yet replicated the checkpoint's entries. */
export const RETRY_AFTER_REPLICATION_S = 2;

/** What signs EIP-712 messages for KPPEAnchor's witness set: an ethers Wallet does. */
export interface TypedDataSigner {
  address: string;
  signTypedData(domain: Record<string, unknown>, types: Record<string, Array<{ name: string; type: string }>>, value: Record<string, unknown>): Promise<string>;
}

/** The domain of KPPEAnchor's witness message (`checkpointDigest`): one chain, one contract. */
export const checkpointDomain = (chainId: number, contract: string) => ({ name: "KPPEAnchor", version: "2", chainId, verifyingContract: contract });

export interface WitnessAnswer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

const text = (status: number, body: string, headers?: Record<string, string>): WitnessAnswer => ({ status, body: body.endsWith("\n") ? body : body + "\n", contentType: "text/plain; charset=utf-8", headers });

/**
 * A storage node as a C2SP tlog-witness: `add-checkpoint` cosigns a checkpoint of the log it
 * replicates only when the log key signed it, it extends the last checkpoint this witness
 * cosigned (RFC 9162 consistency proof), and, beyond the protocol, its root is the root of the
 * entries this node holds at that size: a witness here has seen the history it vouches for.
 * The last cosigned checkpoint is stored before the cosignature is returned, atomically with the
 * check of the old size, so neither a restart nor racing requests can make it cosign a fork or
 * roll back.
 */
export class Witness {
  private readonly signer: NoteSigner;
  private readonly logKey: NoteVerifier;
  private readonly state: WitnessStore;
  private readonly log: StoredLog;
  private readonly ethSigner: TypedDataSigner | undefined;

  /** `ethSigner`: the node's Ethereum key, to sign the EIP-712 checkpoint message KPPEAnchor's witness set checks. */
  constructor(options: { signer: NoteSigner; logKey: NoteVerifier; state: WitnessStore; log: StoredLog; ethSigner?: TypedDataSigner }) {
    this.signer = options.signer;
    this.logKey = options.logKey;
    this.state = options.state;
    this.log = options.log;
    this.ethSigner = options.ethSigner;
  }

  /**
   * Signs KPPEAnchor's EIP-712 checkpoint message for (`size`, `root`) of this log, bound to
   * `chainId` and `contract`, when the entries this node replicated give that root at that size:
   * the on-chain counterpart of a cosignature, for a keeper to carry into `anchorCheckpoint`.
   */
  async signForContract(query: Record<string, unknown>): Promise<WitnessAnswer> {
    const json = (status: number, body: unknown, headers?: Record<string, string>): WitnessAnswer => ({ status, body: JSON.stringify(body), contentType: "application/json", headers });
    if (!this.ethSigner) return json(404, { error: "NOT_FOUND", message: "this witness has no Ethereum key: it cosigns off chain only" });
    const size = typeof query.size === "string" && /^[1-9][0-9]{0,15}$/.test(query.size) ? Number(query.size) : NaN;
    const chainId = typeof query.chain_id === "string" && /^[1-9][0-9]{0,15}$/.test(query.chain_id) ? Number(query.chain_id) : NaN;
    const { root, contract } = query;
    for (const [field, ok] of [["size", Number.isSafeInteger(size)], ["chain_id", Number.isSafeInteger(chainId)], ["root", typeof root === "string" && /^0x[0-9a-f]{64}$/.test(root)], ["contract", typeof contract === "string" && /^0x[0-9a-fA-F]{40}$/.test(contract)]] as const) {
      if (!ok) return json(400, { error: "ERR_BAD_FORMAT", field, message: `${field}: missing or malformed` });
    }
    await this.log.integrate();
    const held = await this.log.size();
    if (held < size) return json(503, { error: "NOT_REPLICATED", message: `this node holds ${held} entries; it signs size ${size} once it has replicated them` }, { "Retry-After": String(RETRY_AFTER_REPLICATION_S) });
    const mine = await this.log.root(size);
    if (mine !== root) return json(422, { error: "SPLIT_VIEW", message: `the entries this node replicated give root ${mine} at size ${size}, not ${root as string}` });
    const signature = await this.ethSigner.signTypedData(checkpointDomain(chainId, contract as string), CHECKPOINT_TYPES, { origin: this.logKey.name, size, root });
    return json(200, { signer: this.ethSigner.address, signature });
  }

  /** Answers one `POST /add-checkpoint` body, with the status codes of C2SP tlog-witness. */
  async addCheckpoint(body: string): Promise<WitnessAnswer> {
    const split = body.indexOf("\n\n");
    if (split < 0) return text(400, "expected an old size line, consistency proof lines, an empty line and a checkpoint");
    const header = body.slice(0, split).split("\n");
    const note = body.slice(split + 2);
    const old = /^old (0|[1-9][0-9]{0,15})$/.exec(header[0] ?? "");
    if (!old) return text(400, `the first line must be "old <size>", got ${JSON.stringify((header[0] ?? "").slice(0, 80))}`);
    const oldSize = Number(old[1]);
    const proofLines = header.slice(1);
    if (proofLines.length > MAX_PROOF_LINES) return text(400, `at most ${MAX_PROOF_LINES} consistency proof lines, got ${proofLines.length}`);
    let proof: string[];
    try {
      proof = proofLines.map((line, i) => {
        const hash = fromBase64(line, `proof line ${i + 1}`);
        if (hash.length !== 32) throw new Error(`proof line ${i + 1} is ${hash.length} bytes, expected 32`);
        return toHex(hash);
      });
      parseNote(note);
    } catch (error) {
      return text(400, (error as Error).message);
    }
    const origin = note.slice(0, note.indexOf("\n"));
    if (origin !== this.logKey.name) return text(404, `unknown log ${JSON.stringify(origin.slice(0, 200))}: this witness cosigns ${this.logKey.name}`);
    let checkpoint;
    try {
      checkpoint = openCheckpoint(note, this.logKey);
    } catch (error) {
      return text(403, `the checkpoint is not signed by the log key: ${(error as Error).message}`);
    }
    if (oldSize > checkpoint.size) return text(400, `old size ${oldSize} is above the checkpoint's size ${checkpoint.size}`);
    if (oldSize === 0 && proof.length > 0) return text(400, "a request from old size 0 carries no consistency proof");

    const last = await this.state.lastCosigned(origin);
    const lastSize = last?.size ?? 0;
    if (oldSize !== lastSize) return { status: 409, body: `${lastSize}\n`, contentType: "text/x.tlog.size" };
    if (last && checkpoint.size === last.size && checkpoint.root !== last.root) {
      return text(409, `this witness cosigned root ${last.root} for size ${last.size}; it never cosigns a second root for one size`);
    }
    // Every tree extends the empty one: from size 0 there is nothing to prove.
    if (last && last.size > 0 && checkpoint.size > last.size && !verifyConsistency({ size1: last.size, size2: checkpoint.size, root1: last.root, root2: checkpoint.root, proof })) {
      return text(422, `the consistency proof does not show size ${checkpoint.size} extending the checkpoint this witness cosigned at size ${last.size}`);
    }

    await this.log.integrate();
    const held = await this.log.size();
    if (held < checkpoint.size) {
      return text(503, `this node holds ${held} entries; it cosigns size ${checkpoint.size} once it has replicated them`, { "Retry-After": String(RETRY_AFTER_REPLICATION_S) });
    }
    const mine = await this.log.root(checkpoint.size);
    if (mine !== checkpoint.root) {
      return text(422, `split view: the log signed root ${checkpoint.root} for size ${checkpoint.size}, but the entries this node replicated give ${mine}`);
    }

    const cosignature = cosign(note.slice(0, note.lastIndexOf("\n\n") + 1), this.signer);
    if (!(await this.state.advance(origin, lastSize, { size: checkpoint.size, root: checkpoint.root, note: note + cosignature }))) {
      const now = await this.state.lastCosigned(origin);
      return { status: 409, body: `${now?.size ?? 0}\n`, contentType: "text/x.tlog.size" };
    }
    return { status: 200, body: cosignature, contentType: "text/plain; charset=utf-8" };
  }

  /**
   * What this witness last cosigned: the log's signed note with this witness's cosignature
   * (404 before the first). A monitor compares these across witnesses to catch a split view.
   */
  async lastCosignedNote(): Promise<WitnessAnswer> {
    const last = await this.state.lastCosigned(this.logKey.name);
    if (!last?.note) return text(404, `this witness has not cosigned a checkpoint of ${this.logKey.name} yet`);
    return { status: 200, body: last.note, contentType: "text/plain; charset=utf-8" };
  }
}
