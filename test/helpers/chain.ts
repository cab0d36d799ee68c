import { ContractFactory, JsonRpcProvider, type Contract } from "ethers";
import hre, { network } from "hardhat";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { rpcProvider } from "../../src/chain/rpcProvider.ts";
import { devWallet } from "../../src/chain/devAccount.ts";
import { Keeper } from "../../src/keeper/keeper.ts";
import type { TaskLog } from "../../src/runtime/taskLog.ts";
import { resolveSettings, type KeeperSettings } from "../../src/keeper/settings.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { RecorderChain } from "../../src/chain/recorderChain.ts";
import { clientHash } from "../../src/hashing/canonical.ts";
import type { LedgerStore } from "../../src/store/types.ts";

export { devWallet };

export interface LocalChain {
  /** JSON-RPC over real HTTP on 127.0.0.1. */
  url: string;
  provider: JsonRpcProvider;
  /** Deploys KPPEAnchor (owner: dev account 0) and authorizes `anchor`. */
  deployAnchor(anchor: string): Promise<Contract>;
  /** Deploys ProofRecorder (owner: dev account 0) and authorizes `writer`. */
  deployRecorder(writer: string): Promise<Contract>;
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * An in-process chain served over JSON-RPC on loopback, mining on each transaction and every
 * `blockMs` (so confirmations accrue as on a live chain). `networkName` "baseLocal" gives the
 * OP-stack chain with chain id 8453; `forkUrl` forks that JSON-RPC endpoint.
 */
export async function startLocalChain(options: { networkName?: string; blockMs?: number; forkUrl?: string } = {}): Promise<LocalChain> {
  const forking = options.forkUrl ? { forking: { url: options.forkUrl } } : {};
  const server = await network.createServer(
    { network: options.networkName ?? "default", override: { allowBlocksWithSameTimestamp: true, mining: { auto: true, interval: options.blockMs ?? 100 }, ...forking } },
    "127.0.0.1",
    0,
  );
  const { port } = await server.listen();
  return chainAt(`http://127.0.0.1:${port}`, () => server.close());
}

/** A LocalChain over any JSON-RPC URL whose dev accounts are funded (e.g. a `npx hardhat node`). */
export async function chainAt(url: string, closeServer: () => Promise<void> = async () => undefined): Promise<LocalChain> {
  const provider = new JsonRpcProvider(url, undefined, { batchMaxCount: 1, cacheTimeout: -1 });
  /** Deploys `name` owned by dev account 0, then authorizes `who` with `authorize(who, true)`. */
  async function deployOwned(name: "KPPEAnchor" | "ProofRecorder", authorize: "setAuthorized" | "setWriter", who: string): Promise<Contract> {
    const artifact = await hre.artifacts.readArtifact(name);
    const owner = devWallet(0).connect(provider);
    const contract = (await new ContractFactory(artifact.abi, artifact.bytecode, owner).deploy(owner.address)) as Contract;
    await contract.waitForDeployment();
    await (await contract.getFunction(authorize)(who, true)).wait();
    return contract;
  }
  return {
    url,
    provider,
    rpc: (method, params = []) => provider.send(method, params),
    deployAnchor: (anchor) => deployOwned("KPPEAnchor", "setAuthorized", anchor),
    deployRecorder: (writer) => deployOwned("ProofRecorder", "setWriter", writer),
    async close() {
      provider.destroy();
      await closeServer();
    },
  };
}

/** Test settings: fast polling and retries, one cycle's worth of defaults otherwise. */
export function fastSettings(overrides: Partial<KeeperSettings> = {}): KeeperSettings {
  return resolveSettings({ pollMs: 25, intervalMs: 200, retry: { retries: 3, minDelayMs: 20, maxDelayMs: 100 }, ...overrides }, {});
}

/** A keeper over `store` anchoring on `contract` through `url`, signing with dev account `keyIndex`. */
export async function openKeeper(options: { store: LedgerStore; url: string; contract: string; settings?: KeeperSettings; keyIndex?: number; log?: TaskLog; timeoutMs?: number; witnesses?: string[] }): Promise<Keeper> {
  const settings = options.settings ?? fastSettings();
  const log = options.log ?? (() => undefined);
  const chain = await AnchorChain.open({
    provider: rpcProvider(options.url, options.timeoutMs ?? 5_000),
    wallet: devWallet(options.keyIndex ?? 1),
    contract: options.contract,
    retry: settings.retry,
    onRetry: (message) => log("warn", message),
  });
  return new Keeper({ store: options.store, chain, settings, log, witnesses: options.witnesses });
}

/** A ProofRecorder writer at `contract` through `url`, signing with dev account `keyIndex`. */
export function openRecorderChain(url: string, contract: string, keyIndex: number): Promise<RecorderChain> {
  return RecorderChain.open({ provider: rpcProvider(url, 5_000), wallet: devWallet(keyIndex), contract, retry: fastSettings().retry, onRetry: () => undefined });
}

/** Appends `count` events whose data is the hashed body, as a client would submit them. */
export async function appendEvents(store: LedgerStore, count: number, tag = "e"): Promise<string[]> {
  const ledger = new Ledger(store);
  const ids: string[] = [];
  for (let start = 0; start < count; start += 1000) {
    const events = Array.from({ length: Math.min(1000, count - start) }, (_, k) => {
      const body = { type: "test", tag, n: start + k };
      const event_id = `${tag}-${start + k}`;
      ids.push(event_id);
      return { version: "0.1" as const, event_id, previous_event_hash: null, payload_hash: clientHash(body), source_id: "test", local_timestamp: null, data: body };
    });
    await ledger.submit(events);
  }
  return ids;
}

/** Collects log lines for assertions. */
export function captureLog(): { log: TaskLog; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message) => lines.push(`${level}: ${message}`) };
}
