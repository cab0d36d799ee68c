import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { AbiCoder, getBytes, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import { openCheckpoint, parseSignerKey, parseVerifierKey, signCheckpoint, verifierKeyOf } from "../../src/log/note.ts";
import { addLogSignature, logSignatureOf, logSignerWallet } from "../../src/log/logSigner.ts";

// The log signer's line in a checkpoint note (docs/formats.md, "The log signer's line"): the
// vector there, and an independent reading of it (key ID with node:crypto, the EIP-712 digest
// assembled by hand from its definition, the signer recovered from it).
const SIGNER_KEY = "PRIVATE+KEY+kppe.example/log+25095f48+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB";
const ADDRESS = "0x66955950860E8E62c79A425F1B0b949503Bd2451";
const TEXT = "kppe.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
const LINE = "\u2014 kppe.example/log UW/oPkkx3ymCXyjFq48yxeVAmnvCGgJeIBC50R3dTu2u271jUmd2J6xS9T0dfeP/Nk+aqdDe0pLA6GnamiHIe77xNVYc\n";
const ROOT = "0x" + Buffer.from("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", "base64").toString("hex");

/** EIP-712 by its definition: keccak256(0x1901 || domainSeparator || hashStruct(Checkpoint)). */
function digestByHand(origin: string, size: number, root: string): string {
  const abi = AbiCoder.defaultAbiCoder();
  const domain = keccak256(abi.encode(["bytes32", "bytes32", "bytes32"], [keccak256(toUtf8Bytes("EIP712Domain(string name,string version)")), keccak256(toUtf8Bytes("KPPE log")), keccak256(toUtf8Bytes("1"))]));
  const struct = keccak256(abi.encode(["bytes32", "bytes32", "uint64", "bytes32"], [keccak256(toUtf8Bytes("Checkpoint(string origin,uint64 size,bytes32 root)")), keccak256(toUtf8Bytes(origin)), size, root]));
  return keccak256(new Uint8Array([0x19, 0x01, ...getBytes(domain), ...getBytes(struct)]));
}

describe("the log signer's line in checkpoint notes (EIP-712, C2SP signed-note type 0xff)", function () {
  const signer = parseSignerKey(SIGNER_KEY);

  it("is the documented vector, and an independent reading recovers the log signer from it", function () {
    assert.equal(logSignerWallet(signer).address, ADDRESS);
    const note = addLogSignature(signCheckpoint(8, ROOT, signer), logSignerWallet(signer));
    assert.ok(note.startsWith(TEXT + "\n\u2014 kppe.example/log "), note);
    assert.ok(note.endsWith(LINE), note);
    const blob = Buffer.from(LINE.trim().split(" ")[2], "base64");
    const keyId = createHash("sha256").update(Buffer.concat([Buffer.from("kppe.example/log\n"), Buffer.from([0xff]), Buffer.from("kppe.dev/eip712-checkpoint-v1"), Buffer.from(ADDRESS.slice(2), "hex")])).digest().subarray(0, 4);
    assert.deepEqual(blob.subarray(0, 4), keyId);
    assert.equal(blob.length, 4 + 65);
    assert.equal(recoverAddress(digestByHand("kppe.example/log", 8, ROOT), "0x" + blob.subarray(4).toString("hex")), ADDRESS);
  });

  it("leaves the note a valid signed checkpoint for readers that know only the Ed25519 key", function () {
    const note = addLogSignature(signCheckpoint(8, ROOT, signer), logSignerWallet(signer));
    assert.deepEqual(openCheckpoint(note, parseVerifierKey(verifierKeyOf(signer))), { origin: "kppe.example/log", size: 8, root: ROOT, extensions: [] });
  });

  it("is not found for another address, a changed size, or a note without it", function () {
    const note = addLogSignature(signCheckpoint(8, ROOT, signer), logSignerWallet(signer));
    assert.ok(logSignatureOf(note, ADDRESS));
    assert.equal(logSignatureOf(note, "0x" + "12".repeat(20)), undefined);
    assert.equal(logSignatureOf(note.replace("\n8\n", "\n9\n"), ADDRESS), undefined, "the signature is over the size");
    assert.equal(logSignatureOf(signCheckpoint(8, ROOT, signer), ADDRESS), undefined);
    assert.equal(logSignatureOf(note.replace(LINE, LINE.replace("UW/oPkkx", "UW/oPkky")), ADDRESS), undefined, "a corrupted signature");
  });
});
