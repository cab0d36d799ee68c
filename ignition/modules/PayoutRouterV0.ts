import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys Lucid's PayoutRouterV0 for an ERC-20/TRC-20 `token` (USDC on Base). `poster` (the payout
 * key, never an anchoring key) posts the months; `owner` (default: the deployer) can change it.
 *
 *   npx hardhat ignition deploy ignition/modules/PayoutRouterV0.ts --network base \
 *     --parameters '{"PayoutRouterV0Module":{"token":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913","poster":"0x…"}}'
 */
export default buildModule("PayoutRouterV0Module", (m) => {
  const deployer = m.getAccount(0);
  const owner = m.getParameter("owner", deployer);
  const token = m.getParameter<string>("token");
  const poster = m.getParameter("poster", deployer);
  const router = m.contract("PayoutRouterV0", [owner, token, poster], { from: deployer });
  return { router };
});
