import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys KPPEAnchorScheduled (keepers anchor in turns by the committed PoOT leader schedule,
 * docs/poot.md) with Lucid's slot parameters unless given: `genesis` (unix time of slot 0;
 * required), `slotSeconds` 120, `leaderTimeout` 5, `epochSlots` 720. Like KPPEAnchor's module it
 * authorizes `anchor` and proposes `owner`; add the other keepers with anchor:authorize.
 *
 *   npx hardhat ignition deploy ignition/modules/KPPEAnchorScheduled.ts --network baseLocal \
 *     --parameters '{"KPPEAnchorScheduledModule":{"genesis":1790000000}}'
 */
export default buildModule("KPPEAnchorScheduledModule", (m) => {
  const deployer = m.getAccount(0);
  const owner = m.getParameter("owner", deployer);
  const anchorAddress = m.getParameter("anchor", deployer);
  const genesis = m.getParameter<number>("genesis");
  const slotSeconds = m.getParameter("slotSeconds", 120);
  const leaderTimeout = m.getParameter("leaderTimeout", 5);
  const epochSlots = m.getParameter("epochSlots", 720);

  const kppeAnchor = m.contract("KPPEAnchorScheduled", [deployer, genesis, slotSeconds, leaderTimeout, epochSlots], { from: deployer });
  const authorize = m.call(kppeAnchor, "setAuthorized", [anchorAddress, true], { from: deployer, id: "authorizeAnchor" });
  m.call(kppeAnchor, "transferOwnership", [owner], { from: deployer, id: "proposeOwner", after: [authorize] });

  return { kppeAnchor };
});
