import { Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { createGateway } from "../../src/gateway/server.ts";
import type { MessageSigner } from "../../src/replication/commitment.ts";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { StorageNode } from "../../src/replication/node.ts";
import { openStore } from "../../src/store/open.ts";
import { startWhenStoreReachable } from "../storeWait.ts";
import { parseSignerKey, parseVerifierKey, verifierKeyOf } from "../../src/log/note.ts";
import { StoredLog } from "../../src/log/storedLog.ts";
import { Witness, type TypedDataSigner } from "../../src/replication/witness.ts";
import { userError, userFacing } from "../errors.ts";
import { onStop } from "../stop.ts";
import { readSecret } from "../secrets.ts";
import { contractAddress, reachChain, readOnlyWallet } from "../anchor/connect.ts";
import type { ledgerReplicateTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof ledgerReplicateTask>;

/** KPPEAnchor, read-only, for checking the copy against anchored roots. */
async function openAnchors(hre: HardhatRuntimeEnvironment, args: Args): Promise<AnchorChain> {
  const { provider, chainId } = await reachChain(hre, args.rpcUrl);
  return AnchorChain.open({ provider, wallet: readOnlyWallet(), contract: contractAddress(args.contract, chainId), retry: DEFAULT_RETRY, onRetry: (m) => console.log(m) });
}

export default async function replicate(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const key = await readSecret(hre, "STORAGE_NODE_KEY");
  if (!key && !args.ephemeralKey) {
    throw userError(
      "no signing key: store one with `npx hardhat keystore set STORAGE_NODE_KEY` (or set the STORAGE_NODE_KEY environment variable), or pass --ephemeral-key for a throwaway identity",
    );
  }
  let wallet: MessageSigner & TypedDataSigner;
  try {
    wallet = key ? new Wallet(key) : Wallet.createRandom();
  } catch {
    throw userError("STORAGE_NODE_KEY is not a valid private key (expected 0x followed by 64 hex digits)");
  }
  const anchors = args.anchors ? await openAnchors(hre, args) : undefined;
  const logKey = args.logKey || process.env.KPPE_LOG_VERIFIER_KEY || undefined;
  const witnessKey = args.witness ? await readSecret(hre, "WITNESS_KEY") : undefined;
  if (args.witness && (!witnessKey || !logKey)) {
    throw userError("--witness needs a cosigner key in WITNESS_KEY (npx hardhat log:keygen --cosigner --origin <name>, then npx hardhat keystore set WITNESS_KEY) and the log's verifier key (--log-key)");
  }
  const store = await startWhenStoreReachable(() => openStore(args.store), (m) => console.error(m));
  const witness = witnessKey ? await userFacing(async () => new Witness({ signer: parseSignerKey(witnessKey), logKey: parseVerifierKey(logKey!), state: store.witness, log: new StoredLog(store.log), ethSigner: wallet })) : undefined;
  const server = createGateway({ store, host: args.host, port: args.port, readOnly: true, logLevel: "warn", logFormat: "text", witness });
  const url = await server.listen();
  console.log(`storage node ${wallet.address}${key ? "" : " (ephemeral key)"} | copy: ${store.location} | serving ${url}/head and /stream`);
  if (anchors) console.log(`checking the copy against KPPEAnchor ${anchors.target.contract} on chain ${anchors.target.chainId}`);
  if (witness) console.log(`witness ${verifierKeyOf(parseSignerKey(witnessKey!))}: cosigning ${parseVerifierKey(logKey!).name} at ${url}/add-checkpoint`);
  const node = new StorageNode({
    gatewayUrl: args.gateway,
    store,
    wallet,
    anchors,
    logKey,
    onEvent: (event) => {
      const time = new Date().toISOString();
      if (event.type === "appended") console.log(`${time} appended ${event.count} entries, head ${event.head.fifo_sequence} ${event.head.event_hash}`);
      if (event.type === "refused") console.log(`${time} REFUSED entry ${event.fifo_sequence}: ${event.reason}; resyncing from the last verified entry`);
      if (event.type === "discarded") console.log(`${time} DISCARDED entries ${event.from}-${event.to} of this copy: ${event.reason}; resyncing from ${event.from}`);
      if (event.type === "error") console.log(`${time} ${event.message}`);
    },
  });
  node.start();
  await new Promise<void>((resolve) => {
    const stop = () =>
      void node
        .stop()
        .then(() => server.close())
        .then(() => anchors?.close())
        .then(resolve);
    onStop(stop);
  });
}
