import { Wallet } from "ethers";
import { createGateway } from "../../src/gateway/server.ts";
import { COSIGNATURE_V1, generateSignerKey, parseSignerKey, parseVerifierKey, verifierKeyOf } from "../../src/log/note.ts";
import { StoredLog } from "../../src/log/storedLog.ts";
import { StorageNode } from "../../src/replication/node.ts";
import { Witness } from "../../src/replication/witness.ts";
import type { StoreFixture } from "./stores.ts";

/**
 * A storage node run as a witness of the log with verifier key `logKey`: its own `fixture` store,
 * a read-only server with /add-checkpoint and /checkpoint, and a cosigner key named `name`.
 * `follow(gatewayUrl)` starts its replication; `cleanups` gets what stops it.
 */
export async function startWitnessNode(fixture: StoreFixture, name: string, logKey: string, cleanups: Array<() => Promise<void> | void>) {
  const store = await fixture.open();
  const cosigner = parseSignerKey(generateSignerKey(name, COSIGNATURE_V1));
  const witness = new Witness({ signer: cosigner, logKey: parseVerifierKey(logKey), state: store.witness, log: new StoredLog(store.log) });
  const server = createGateway({ store, port: 0, logLevel: false, readOnly: true, witness });
  const url = await server.listen();
  let node: StorageNode | undefined;
  cleanups.push(async () => {
    await node?.stop();
    await server.close();
    await fixture.cleanup();
  });
  const follow = (gatewayUrl: string) => {
    node = new StorageNode({ gatewayUrl, store, wallet: Wallet.createRandom() });
    node.start();
  };
  return { url, key: verifierKeyOf(cosigner), store, fixture, cosigner, follow };
}
