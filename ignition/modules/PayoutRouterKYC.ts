import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys Lucid's PayoutRouterKYC for an ERC-20/TRC-20 `token` (USDC on Base), paying only
 * operators a KYC registrar approved (the owner appoints registrars with setRegistrar). `poster` (the payout
 * key, never an anchoring key) posts the months; `owner` (default: the deployer) can change it.
 *
 *   npx hardhat ignition deploy ignition/modules/PayoutRouterKYC.ts --network base \
 *     --parameters '{"PayoutRouterKYCModule":{"token":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913","poster":"0x…"}}'
 */
export default buildModule("PayoutRouterKYCModule", (m) => {
  const deployer = m.getAccount(0);
  const owner = m.getParameter("owner", deployer);
  const token = m.getParameter<string>("token");
  const poster = m.getParameter("poster", deployer);
  const router = m.contract("PayoutRouterKYC", [owner, token, poster], { from: deployer });
  return { router };
});
