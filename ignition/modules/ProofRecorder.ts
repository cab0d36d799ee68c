import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys ProofRecorder from the deployer account, authorizes `writer` (the FlowPay / Lucid
 * service address), then proposes `owner`, who takes over with `acceptOwnership()`.
 * Both default to the deployer.
 */
export default buildModule("ProofRecorderModule", (m) => {
  const deployer = m.getAccount(0);
  const owner = m.getParameter("owner", deployer);
  const writer = m.getParameter("writer", deployer);

  const proofRecorder = m.contract("ProofRecorder", [deployer], { from: deployer });
  const authorize = m.call(proofRecorder, "setWriter", [writer, true], { from: deployer, id: "authorizeWriter" });
  m.call(proofRecorder, "transferOwnership", [owner], { from: deployer, id: "proposeOwner", after: [authorize] });

  return { proofRecorder };
});
