import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys KPPEAnchor from the deployer account, authorizes `anchor` (the keeper's address), then
 * proposes `owner` as the next owner; ownership moves when `owner` calls `acceptOwnership()`
 * (two steps, so a mistyped address cannot capture the contract). Both default to the deployer.
 *
 *   npx hardhat ignition deploy ignition/modules/KPPEAnchor.ts --network baseLocal \
 *     --parameters ignition/parameters/example.json
 */
export default buildModule("KPPEAnchorModule", (m) => {
  const deployer = m.getAccount(0);
  const owner = m.getParameter("owner", deployer);
  const anchorAddress = m.getParameter("anchor", deployer);

  const kppeAnchor = m.contract("KPPEAnchor", [deployer], { from: deployer });
  const authorize = m.call(kppeAnchor, "setAuthorized", [anchorAddress, true], { from: deployer, id: "authorizeAnchor" });
  m.call(kppeAnchor, "transferOwnership", [owner], { from: deployer, id: "proposeOwner", after: [authorize] });

  return { kppeAnchor };
});
