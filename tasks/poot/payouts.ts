import { readFile, rename, writeFile } from "node:fs/promises";
import { Contract, formatUnits, isAddress, parseUnits, type Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { creditsOf, distribution, epochsOfMonth, monthlyShares, monthNumber, type MonthlyDistribution } from "../../src/poot/payouts.ts";
import type { Tally } from "../../src/poot/schedule.ts";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import { reachChain, readOnlyWallet, secretWallet } from "../anchor/connect.ts";
import type { pootPayoutsTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof pootPayoutsTask>;

export const ROUTER_ABI = [
  "function token() view returns (address)",
  "function postMonth(uint256 month, bytes32 root, uint256 total)",
  "function claim(uint256 month, address operator, uint256 amount, bytes32[] proof)",
  "function isClaimed(uint256 month, address operator) view returns (bool)",
  "function poster() view returns (address)",
  "function latestMonth() view returns (uint256)",
];
const TOKEN_ABI = ["function decimals() view returns (uint8)", "function symbol() view returns (string)", "function balanceOf(address) view returns (uint256)"];

/** The payout router: --router or PAYOUT_ROUTER_ADDRESS, with the payout key (PAYOUT_PRIVATE_KEY) or read-only. */
export async function openRouter(hre: HardhatRuntimeEnvironment, args: { router: string; rpcUrl: string }, secret?: string): Promise<{ router: Contract; wallet: Wallet; token: Contract; decimals: number; symbol: string; chainId: number }> {
  const address = args.router || process.env.PAYOUT_ROUTER_ADDRESS || "";
  if (!isAddress(address)) throw userError(`--router: the PayoutRouterV0/PayoutRouterKYC address (or PAYOUT_ROUTER_ADDRESS), got ${JSON.stringify(address)}`);
  const { provider, local, chainId } = await reachChain(hre, args.rpcUrl);
  const wallet = (secret ? await secretWallet(hre, secret, local, consoleLog) : readOnlyWallet()).connect(provider);
  const router = new Contract(address, ROUTER_ABI, wallet);
  const token = new Contract(await router.token(), TOKEN_ABI, provider);
  return { router, wallet, token, decimals: Number(await token.decimals()), symbol: String(await token.symbol()), chainId };
}

/**
 * `poot:payouts`: a month's distribution of `--amount` among the operators in proportion to
 * their credits over the month's epochs (work_tally), shown, written (`--out`, with each
 * operator's claim proof) and, with `--post`, posted to the router with the payout key.
 */
export default function payouts(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    const month = monthNumber(args.month);
    if (!(args.genesis > 0)) throw userError("--genesis: the deployment's GENESIS (unix time of slot 0), to know which epochs the month holds");
    if (!args.amount) throw userError("--amount: the month's total in token units, e.g. 25000 or 1234.56");
    const chain = args.post || args.router || process.env.PAYOUT_ROUTER_ADDRESS ? await openRouter(hre, args, args.post ? "PAYOUT_PRIVATE_KEY" : undefined) : undefined;
    const decimals = chain?.decimals ?? 6;
    let total: bigint;
    try {
      total = parseUnits(args.amount, decimals);
    } catch {
      throw userError(`--amount: ${JSON.stringify(args.amount)} is not an amount with at most ${decimals} decimals`);
    }
    const epochs = epochsOfMonth(month, args.genesis);
    const tallies = await talliesOf(args, epochs);
    const result = distribution(month, epochs, monthlyShares(creditsOf(tallies), total));
    const unit = chain?.symbol ?? "units";
    console.log(`month ${args.month}: epochs ${epochs[0]}..${epochs[1]} (${tallies.length} with a recorded tally); ${formatUnits(total, decimals)} ${unit} among ${result.shares.length} operators`);
    console.log("operator                                    credits  amount");
    for (const s of result.shares) console.log(`${s.operator}  ${String(s.credits).padStart(7)}  ${formatUnits(BigInt(s.amount), decimals)}`);
    console.log(`root ${result.root}`);
    if (args.out) {
      await writeFile(`${args.out}.tmp`, JSON.stringify(result, null, 2) + "\n");
      await rename(`${args.out}.tmp`, args.out);
      console.log(`distribution written to ${args.out} (operators claim with npx hardhat poot:claim --distribution ${args.out})`);
    }
    if (args.post && chain) {
      const tx = await chain.router.postMonth(month, result.root, total);
      console.log(`postMonth(${month}, ${result.root}, ${total}) sent: ${tx.hash}`);
      await tx.wait(1);
      console.log(`posted: operators can claim ${args.month} from ${await chain.router.getAddress()}`);
    }
  });
}

/** The recorded tallies of the epochs (a store's work_tally, or a gateway's GET /poot/schedule/<epoch>). */
async function talliesOf(args: Args, [first, last]: [number, number]): Promise<Tally[][]> {
  if (!args.store === !args.gateway) throw userError("give where the tallies are: --store <location> or --gateway <url>");
  const tallies: Tally[][] = [];
  if (args.store) {
    const store = await openStore(args.store);
    try {
      for (let epoch = first; epoch <= last; epoch++) {
        const recorded = await store.poot.schedule(epoch);
        if (recorded) tallies.push(recorded.tally);
      }
    } finally {
      await store.close();
    }
    return tallies;
  }
  for (let epoch = first; epoch <= last; epoch++) {
    const response = await fetch(`${args.gateway.replace(/\/$/, "")}/poot/schedule/${epoch}`, { signal: AbortSignal.timeout(30_000) });
    if (response.status === 404) continue;
    if (!response.ok) throw userError(`--gateway: /poot/schedule/${epoch} answered ${response.status}`);
    tallies.push(((await response.json()) as { tally: Tally[] }).tally);
  }
  return tallies;
}

/** A distribution file as poot:payouts --out wrote it. */
export async function readDistribution(file: string): Promise<MonthlyDistribution> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as MonthlyDistribution;
    if (!Number.isSafeInteger(parsed.month) || !Array.isArray(parsed.shares)) throw new Error("no month or shares");
    return parsed;
  } catch (error) {
    throw userError(`--distribution: ${file} is not a distribution written by poot:payouts --out (${(error as Error).message})`);
  }
}
