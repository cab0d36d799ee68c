import { formatUnits } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { userError, userFacing } from "../errors.ts";
import { openRouter, readDistribution } from "./payouts.ts";
import type { pootClaimTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof pootClaimTask>;

/**
 * `poot:claim`: sends an operator's claim of a posted month (any key may send it, with
 * OPERATOR_PRIVATE_KEY; the operator is paid). Says so when it was claimed already.
 */
export default function claim(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    if (!args.distribution) throw userError("--distribution: the file poot:payouts --out wrote for the month");
    const dist = await readDistribution(args.distribution);
    const { router, wallet, decimals, symbol } = await openRouter(hre, args, "OPERATOR_PRIVATE_KEY");
    const operator = (args.operator || wallet.address).toLowerCase();
    const share = dist.shares.find((s) => s.operator.toLowerCase() === operator);
    if (!share) throw userError(`${operator} has no share in the distribution of ${dist.month} (${dist.shares.length} operators); give --operator`);
    if (await router.isClaimed(dist.month, share.operator)) {
      console.log(`${share.operator} already claimed ${formatUnits(BigInt(share.amount), decimals)} ${symbol} of ${dist.month}: nothing to do`);
      return;
    }
    const tx = await router.claim(dist.month, share.operator, share.amount, share.proof);
    console.log(`claim(${dist.month}, ${share.operator}, ${share.amount}) sent: ${tx.hash}`);
    await tx.wait(1);
    console.log(`${share.operator} was paid ${formatUnits(BigInt(share.amount), decimals)} ${symbol} for ${dist.month}`);
  });
}
