import { createHash } from "node:crypto";

/** FlowPay's root rule, written independently over Buffers: sort, hash sorted pairs, carry the odd node. */
export function referenceFlowPayRoot(leaves: string[]): string {
  let level: Buffer[] = leaves.map((l) => Buffer.from(l.slice(2), "hex")).sort(Buffer.compare);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) next.push(level[i]);
      else next.push(createHash("sha256").update(Buffer.concat([level[i], level[i + 1]].sort(Buffer.compare))).digest());
    }
    level = next;
  }
  return "0x" + level[0].toString("hex");
}

/** The checkpoint's documented layout, built byte by byte: root (32) || uint64 BE (8) || uint256 BE (32). */
export function referenceCheckpoint(root: string, timestamp: number, batchId: number): string {
  const bytes = Buffer.alloc(72);
  Buffer.from(root.slice(2), "hex").copy(bytes, 0);
  bytes.writeBigUInt64BE(BigInt(timestamp), 32);
  bytes.writeBigUInt64BE(BigInt(batchId), 64); // the low 8 bytes of the uint256
  return "0x" + createHash("sha256").update(bytes).digest("hex");
}
