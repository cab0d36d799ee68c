import assert from "node:assert/strict";
import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { KppeError } from "../../src/errors.ts";
import {
  generateSignerKey,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKeyOf,
} from "../../src/log/note.ts";

// Known answer from Go's golang.org/x/mod/sumdb/note (note_test.go and its package example).
const GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

const fails = (code: string) => (e: unknown) => e instanceof KppeError && e.code === code;

// An independent reading of the C2SP specs over node:crypto, for interoperability both ways.
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
function nodeVerify(note: string, vkey: string): boolean {
  const [name, idHex, ...rest] = vkey.split("+");
  const material = rest.join("+");
  const pub = Buffer.from(material, "base64").subarray(1);
  const keyId = createHash("sha256").update(Buffer.concat([Buffer.from(name + "\n"), Buffer.from([1]), pub])).digest().subarray(0, 4);
  if (keyId.toString("hex") !== idHex) return false;
  const split = note.lastIndexOf("\n\n");
  const text = note.slice(0, split + 1);
  return note
    .slice(split + 2)
    .trim()
    .split("\n")
    .some((line) => {
      const [dash, lineName, sig] = line.split(" ");
      const blob = Buffer.from(sig, "base64");
      return dash === "\u2014" && lineName === name && blob.subarray(0, 4).equals(keyId) && verify(null, Buffer.from(text), createPublicKey({ key: Buffer.concat([ED25519_SPKI, pub]), format: "der", type: "spki" }), blob.subarray(4));
    });
}
function nodeSign(text: string, skey: string): string {
  const [, , name, idHex, ...rest] = skey.split("+");
  const material = rest.join("+");
  const seed = Buffer.from(material, "base64").subarray(1);
  const signature = sign(null, Buffer.from(text), createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: "der", type: "pkcs8" }));
  return `${text}\n\u2014 ${name} ${Buffer.concat([Buffer.from(idHex, "hex"), signature]).toString("base64")}\n`;
}

describe("signed notes and checkpoints (C2SP signed-note, tlog-checkpoint)", function () {
  it("reproduces and opens Go sumdb/note's known signed note", function () {
    const signer = parseSignerKey(GO_SKEY);
    assert.equal(verifierKeyOf(signer), GO_VKEY);
    assert.equal(signNote(GO_TEXT, signer), GO_NOTE);
    assert.equal(openNote(GO_NOTE, parseVerifierKey(GO_VKEY)), GO_TEXT);
  });

  it("refuses a changed text, another key's note, a bad signature of the right key, and malformed notes", function () {
    const verifier = parseVerifierKey(GO_VKEY);
    assert.throws(() => openNote(GO_NOTE.replace("answer", "ANSWER"), verifier), fails("NOTE_SIGNATURE_INVALID"));
    const other = parseSignerKey(generateSignerKey("PeterNeumann"));
    assert.throws(() => openNote(signNote(GO_TEXT, other), verifier), fails("NOTE_UNSIGNED"), "same name, other key ID: ignored, so unsigned");
    // A signature line of the right name and key ID that does not verify rejects the whole note,
    // even when a good one follows.
    const forged = GO_TEXT + "\n\u2014 PeterNeumann " + Buffer.concat([Buffer.from("c74f20a3", "hex"), Buffer.alloc(64, 7)]).toString("base64") + "\n" + GO_NOTE.slice(GO_TEXT.length + 1);
    assert.throws(() => openNote(forged, verifier), fails("NOTE_SIGNATURE_INVALID"));
    for (const broken of [GO_TEXT, GO_NOTE.slice(0, -1), GO_NOTE.replace("\u2014", "--"), "a\u0001b\n" + GO_NOTE.slice(GO_TEXT.length)]) {
      assert.throws(() => openNote(broken, verifier), (e: unknown) => e instanceof KppeError);
    }
    assert.throws(() => parseVerifierKey(GO_VKEY.replace("c74f20a3", "c74f20a4")), fails("BAD_NOTE_KEY"));
  });

  it("signs checkpoints that an independent node:crypto verifier accepts, and opens its notes", function () {
    const skey = generateSignerKey("kppe.example/log");
    const signer = parseSignerKey(skey);
    const vkey = verifierKeyOf(signer);
    const root = "0x" + createHash("sha256").update("root").digest("hex");
    const note = signCheckpoint(1234, root, signer);
    assert.equal(note.split("\n").slice(0, 3).join("\n"), `kppe.example/log\n1234\n${Buffer.from(root.slice(2), "hex").toString("base64")}`);
    assert.equal(nodeVerify(note, vkey), true);
    assert.deepEqual(openCheckpoint(note, parseVerifierKey(vkey)), { origin: "kppe.example/log", size: 1234, root, extensions: [] });
    const theirs = nodeSign(`kppe.example/log\n99\n${Buffer.from(root.slice(2), "hex").toString("base64")}\n`, skey);
    assert.equal(openCheckpoint(theirs, parseVerifierKey(vkey)).size, 99);
  });

  it("refuses a checkpoint whose origin is not the log key's name, or whose lines are malformed", function () {
    const signer = parseSignerKey(generateSignerKey("kppe.example/log"));
    const root = "0x" + "11".repeat(32);
    const otherOrigin = signNote(`other.example/log\n5\n${Buffer.from(root.slice(2), "hex").toString("base64")}\n`, signer);
    assert.throws(() => openCheckpoint(otherOrigin, parseVerifierKey(verifierKeyOf(signer))), fails("CHECKPOINT_ORIGIN"));
    for (const text of ["o\n", "o\n-1\nAAAA\n", "o\n01\n" + "A".repeat(44) + "\n", "o\n5\nAAAA\n"]) assert.throws(() => parseCheckpoint(text), fails("BAD_CHECKPOINT"));
  });
});
