import { isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { createGateway } from "../../src/gateway/server.ts";
import { readSecret } from "../secrets.ts";
import { COSIGNATURE_V1, parseVerifierKey } from "../../src/log/note.ts";
import { openStore, storeLocation } from "../../src/store/open.ts";
import { userError } from "../errors.ts";
import { onStop } from "../stop.ts";
import { startWhenStoreReachable } from "../storeWait.ts";
import { consoleLogAs } from "../../src/runtime/taskLog.ts";
import type { ledgerServeTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof ledgerServeTask>;

export default async function serve(
  { store, host, port, logLevel, logFormat, profile, storageNodes, maxConnections, maxConnectionsPerAddress, requestTimeoutMs, witnesses, pootDeployment, pootGenesis }: Args,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  if (profile !== "local" && profile !== "production") throw userError(`--profile: expected local or production, got ${JSON.stringify(profile)}`);
  logFormat ||= process.env.KPPE_LOG_FORMAT || "text";
  if (logFormat !== "text" && logFormat !== "json") throw userError(`--log-format (or KPPE_LOG_FORMAT): expected text or json, got ${JSON.stringify(logFormat)}`);
  for (const [name, value] of [["--max-connections", maxConnections], ["--max-connections-per-address", maxConnectionsPerAddress], ["--request-timeout-ms", requestTimeoutMs]] as const) {
    if (!(value >= 1)) throw userError(`${name}: expected a whole number of at least 1, got ${value}`);
  }
  const logKey = await readSecret(hre, "KPPE_LOG_KEY");
  if (profile === "production" && !logKey) {
    throw userError("the production profile signs checkpoints with your log key: make one with npx hardhat log:keygen --origin <your.domain/log>, then npx hardhat keystore set KPPE_LOG_KEY");
  }
  const witnessList = parseWitnesses(witnesses || process.env.KPPE_WITNESSES || "");
  const say = (message: string) => consoleLogAs(logFormat)("warn", message);
  const ledgerStore = await startWhenStoreReachable(() => openStore(store), say);
  const nodes = storageNodes ? storageNodes.split(",").map((a) => a.trim()) : undefined;
  const bad = nodes?.find((a) => !/^0x[0-9a-fA-F]{40}$/.test(a));
  if (bad !== undefined) throw userError(`--storage-nodes: ${JSON.stringify(bad)} is not an address (0x followed by 40 hex digits)`);
  if (pootDeployment && !isAddress(pootDeployment)) throw userError(`--poot-deployment: the KPPEAnchorScheduled address operators sign their task proofs for, got ${JSON.stringify(pootDeployment)}`);
  if (pootDeployment && !(pootGenesis > 0)) throw userError("--poot-genesis: the deployment's GENESIS (unix time of slot 0), needed with --poot-deployment");
  const poot = pootDeployment ? { deployment: pootDeployment, genesis: pootGenesis } : undefined;
  const gateway = createGateway({ store: ledgerStore, host, port, logLevel, logFormat, profile, storageNodes: nodes, maxConnections, maxConnectionsPerAddress, requestTimeoutMs, logKey, storeLocation: storeLocation(store), witnesses: witnessList, poot });
  const url = await startWhenStoreReachable(() => gateway.listen(), say);
  gateway.app.log.info({ store: ledgerStore.location, url, profile }, `gateway listening on ${url} (ledger: ${ledgerStore.location}, profile: ${profile})`);
  if (gateway.ephemeralLogKey) {
    gateway.app.log.warn(`no KPPE_LOG_KEY: checkpoints are signed with a key made for this run only (verifier key ${gateway.logService.verifierKey}); make a lasting one with npx hardhat log:keygen`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      gateway.app.log.info(`${signal}: finishing in-flight requests, then stopping`);
      void gateway.close().then(resolve);
    };
    onStop(stop);
  });
}

/** `url=verifierKey,url=verifierKey` (a verifier key's base64 may end in '=', a URL here has none before it). */
function parseWitnesses(list: string): Array<{ url: string; key: string }> {
  if (!list) return [];
  return list.split(",").map((pair) => {
    const at = pair.indexOf("=");
    const url = pair.slice(0, at).trim();
    const key = pair.slice(at + 1).trim();
    if (at < 0 || !/^https?:\/\/[^\s=]+$/.test(url)) throw userError(`--witnesses: expected url=verifierKey pairs separated by commas, got ${JSON.stringify(pair.slice(0, 200))}`);
    try {
      if (parseVerifierKey(key).type !== COSIGNATURE_V1) throw new Error("not a cosigner key (type 0x04): make one with npx hardhat log:keygen --cosigner");
    } catch (error) {
      throw userError(`--witnesses: the key of ${url}: ${(error as Error).message}`);
    }
    return { url, key };
  });
}
