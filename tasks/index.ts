import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_REQUEST_TIMEOUT_MS } from "../src/gateway/connections.ts";
import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

const GATEWAY_URL = "http://127.0.0.1:8080";
const STORE_HELP = "Ledger store: a SQLite file path (default data/ledger.sqlite) or a postgres:// URL; also KPPE_STORE";

const RECORDER_TRUST_HELP = "The ProofRecorder you trust (default PROOF_RECORDER_ADDRESS, else this chain's Ignition deployment); the record must name it. Without one the contract is reported as not checked";

const CHAIN_OPTIONS_HELP = {
  contract: "KPPEAnchor address; default KPPE_CONTRACT_ADDRESS, else this chain's Ignition deployment (ignition/deployments/chain-<id>)",
  rpcUrl: "JSON-RPC URL to use instead of the --network's (also RPC_URL)",
};

export const logKeygenTask = task("log:keygen", "Make a new Ed25519 log key that signs checkpoints (prints the signer key for the keystore and the verifier key to publish) Example: npx hardhat log:keygen --origin example.com/log")
  .addOption({ name: "origin", description: "The log's name, a schema-less URL such as example.com/log: the first line of every checkpoint (with --cosigner: the witness's name)", defaultValue: "" })
  .addFlag({ name: "cosigner", description: "Make a witness's cosigner key (C2SP tlog-cosignature, type 0x04) instead, for ledger:replicate (WITNESS_KEY)" });

export const logKeyTask = task("log:key", "Print the verifier key of the log key in KPPE_LOG_KEY (keystore or environment): what verifiers of your checkpoints are given; and, on stderr, the log's on-chain signer for anchor:log-signer. Example: npx hardhat log:key");

export const logTasks = [
  logKeygenTask.setAction(() => import("./log/keygen.ts")).build(),
  logKeyTask.setAction(() => import("./log/key.ts")).build(),
];

export const anchorTask = task("anchor", "Run the anchoring keeper: batch the ledger, anchor each root and log checkpoint on KPPEAnchor, store each event's receipt once confirmed (until Ctrl-C, or --once). Signs with PRIVATE_KEY (keystore or environment; local chains fall back to a development account). Example: npx hardhat anchor --once --rpc-url http://127.0.0.1:8545 --confirmations 1")
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "contract", description: CHAIN_OPTIONS_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" })
  .addFlag({ name: "once", description: "Run one cycle (anchor every pending event, wait for confirmations, write receipts) and exit" })
  .addOption({ name: "timeoutMs", description: "With --once: give up after this many ms, saying what it was waiting for; 0 = $ANCHOR_ONCE_TIMEOUT_MS or 600000", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "intervalMs", description: "Time between cycles in ms; 0 = $BATCH_INTERVAL_MS or 60000", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "maxEventsPerBatch", description: "Most events per batch, up to 1048576; 0 = $MAX_EVENTS_PER_BATCH or 256", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "confirmations", description: "Blocks, the anchor's included, before receipts are written; 0 = $CONFIRMATIONS or 2", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "maxFeeGwei", description: "Fee cap in gwei; above it anchoring pauses until fees fall; 0 = $MAX_FEE_GWEI or 5", type: ArgumentType.FLOAT, defaultValue: 0 })
  .addOption({ name: "stuckTxMs", description: "Replace a transaction with higher fees after it is pending this many ms; 0 = $STUCK_TX_MS or 180000", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "leaseTtlMs", description: "Lease on the store in ms: a second keeper takes over this long after the first stops; 0 = $LEASE_TTL_MS or 30000", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "healthHost", description: "Address for the health endpoint", defaultValue: "127.0.0.1" })
  .addOption({ name: "healthPort", description: "Port for GET /health and /kpe/health; 0 for none", type: ArgumentType.INT, defaultValue: 8081 })
  .addOption({ name: "witnesses", description: "Witness URLs (comma-separated; also KPPE_KEEPER_WITNESSES) asked for EIP-712 checkpoint signatures when the contract's witness set requires them", defaultValue: "" })
  .addOption({ name: "receiptsDir", description: "Also write each event's anchor receipt to this folder as <event id>.json when its batch is confirmed (the store keeps them in any case)", defaultValue: "" })
  .addFlag({ name: "turns", description: "On a KPPEAnchorScheduled: anchor only in this keeper's turns, by the leaders committed for each epoch (docs/poot.md)" });

export const anchorVerifyTask = task("anchor:verify", "Check an anchor receipt: its entry, its position in the log (and the checkpoint's signature, given the log key), and its anchoring on the trusted KPPEAnchor. Example: npx hardhat anchor:verify --receipt receipt.json --log-key <verifier key> --network base")
  .addOption({ name: "eventId", description: "Build the receipt of this event from the store", defaultValue: "" })
  .addOption({ name: "receipt", description: "A receipt file (JSON)", defaultValue: "" })
  .addOption({ name: "body", description: "The event body as JSON, when the receipt does not carry it (or --body-file)", defaultValue: "" })
  .addOption({ name: "bodyFile", description: "A file holding the event body as JSON", defaultValue: "" })
  .addOption({ name: "out", description: "With --event-id: also write the receipt to this file", defaultValue: "" })
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: "JSON-RPC URL of the receipt's chain instead of the --network's (also RPC_URL)", defaultValue: "" })
  .addOption({ name: "contract", description: "The KPPEAnchor you trust (also KPPE_CONTRACT_ADDRESS; default: this chain's Ignition deployment). A receipt naming another contract fails", defaultValue: "" })
  .addOption({ name: "logKey", description: "The log's verifier key, to check the checkpoint's signature (also KPPE_LOG_VERIFIER_KEY; print it with npx hardhat log:key)", defaultValue: "" })
  .addOption({ name: "witnessKeys", description: "Witnesses' cosigner keys you trust, comma-separated (also KPPE_WITNESS_KEYS): check that they cosigned a checkpoint extending the receipt's", defaultValue: "" })
  .addOption({ name: "threshold", description: "How many of --witness-keys must have cosigned; 0 = all of them", type: ArgumentType.INT, defaultValue: 0 })
  .addFlag({ name: "offline", description: "Skip the on-chain checks (the verdict then says they were not checked)" });

export const anchorAuthorizeTask = task("anchor:authorize", "As KPPEAnchor's owner (PRIVATE_KEY), let an address anchor (setAuthorized), or stop it with --revoke. Example: npx hardhat anchor:authorize --address 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --network localhost")
  .addOption({ name: "address", description: "The keeper's address (the one its PRIVATE_KEY signs with)", defaultValue: "" })
  .addFlag({ name: "revoke", description: "Take the right away instead" })
  .addOption({ name: "contract", description: CHAIN_OPTIONS_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" });

export const anchorLogSignerTask = task("anchor:log-signer", "As KPPEAnchor's owner (PRIVATE_KEY), set the log's on-chain signer: then anyone who sees it sign two histories can freeze anchoring (reportEquivocation); setting another signer lifts a freeze. Example: npx hardhat anchor:log-signer --signer 0x5B38Da6a701c568545dCfcB03FcB875f56beddC4 --origin example.com/log --network localhost")
  .addOption({ name: "signer", description: "The log signer's address (npx hardhat log:key prints it, derived from KPPE_LOG_KEY)", defaultValue: "" })
  .addOption({ name: "origin", description: "The log's origin, the first line of its checkpoints (log:key prints it)", defaultValue: "" })
  .addOption({ name: "contract", description: CHAIN_OPTIONS_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" });

export const anchorStatusTask = task("anchor:status", "Show the keeper's view (store) and the chain's view (KPPEAnchor) side by side. Example: npx hardhat anchor:status --network localhost")
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "contract", description: CHAIN_OPTIONS_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" });

export const anchorTasks = [
  anchorTask.setAction(() => import("./anchor/run.ts")).build(),

  anchorVerifyTask.setAction(() => import("./anchor/verify.ts")).build(),

  anchorAuthorizeTask.setAction(() => import("./anchor/authorizeAnchor.ts")).build(),
  anchorLogSignerTask.setAction(() => import("./anchor/logSigner.ts")).build(),
  anchorStatusTask.setAction(() => import("./anchor/status.ts")).build(),
];

export const ledgerServeTask = task("ledger:serve", "Run the FIFO gateway (PoE v0.1 HTTP API) over a ledger store until Ctrl-C. Example: npx hardhat ledger:serve --store data/ledger.sqlite --port 8080")
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "host", description: "Address to bind; keep 127.0.0.1 unless a proxy in front needs otherwise", defaultValue: "127.0.0.1" })
  .addOption({ name: "port", description: "TCP port", type: ArgumentType.INT, defaultValue: 8080 })
  .addOption({ name: "logLevel", description: "Log level: fatal, error, warn, info, debug (debug adds a line per request)", defaultValue: "info" })
  .addOption({ name: "logFormat", description: "text: a line per record for a person; json: pino's JSON lines, for log collectors; default $KPPE_LOG_FORMAT or text", defaultValue: "" })
  .addOption({
    name: "profile",
    description: "local: no API keys, limits or credits; production: API keys required, per-source rate limits and prepaid credits enforced",
    defaultValue: "local",
  })
  .addOption({
    name: "storageNodes",
    description: "Comma-separated addresses of the storage nodes whose commitments count; default: any correctly signed node, up to 64",
    defaultValue: "",
  })
  .addOption({ name: "maxConnections", description: "Most open connections for this process", type: ArgumentType.INT, defaultValue: DEFAULT_MAX_CONNECTIONS })
  .addOption({ name: "maxConnectionsPerAddress", description: "Most open connections from one client address", type: ArgumentType.INT, defaultValue: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS })
  .addOption({ name: "requestTimeoutMs", description: "Time a whole request (headers and body) may take to arrive", type: ArgumentType.INT, defaultValue: DEFAULT_REQUEST_TIMEOUT_MS })
  .addOption({ name: "witnesses", description: "Witnesses to ask for cosignatures of each checkpoint, as url=verifierKey pairs separated by commas (also KPPE_WITNESSES); /checkpoint serves their cosignatures, /health says who is behind", defaultValue: "" })
  .addOption({ name: "pootDeployment", description: "Collect Lucid's PoOT task proofs (POST /poot/proofs, checked and stored) for this KPPEAnchorScheduled address (docs/poot.md)", defaultValue: "" })
  .addOption({ name: "pootGenesis", description: "With --poot-deployment: its GENESIS, the unix time of slot 0", type: ArgumentType.INT, defaultValue: 0 });

export const ledgerSubmitTask = task("ledger:submit", "Hash an event body on this machine (RFC 8785 + keccak256) and submit it to a gateway. A production gateway needs the source's API key in KPPE_API_KEY. Example: npx hardhat ledger:submit --body '{\"type\":\"click\"}' --source-id web")
  .addOption({ name: "body", description: 'The event body as JSON, e.g. \'{"type":"click"}\' (or use --file)', defaultValue: "" })
  .addOption({ name: "file", description: "A file holding the event body as JSON", defaultValue: "" })
  .addOption({ name: "sourceId", description: "Your application's source id", defaultValue: "cli" })
  .addOption({ name: "eventId", description: "Event id (default: a random UUID, and the event carries the local time). With an id the event carries no local_timestamp, so resubmitting the same id and body is a safe retry that returns the original receipt", defaultValue: "" })
  .addOption({ name: "previousEventHash", description: "Append only if this is still the head's event_hash", defaultValue: "" })
  .addOption({ name: "url", description: "Gateway URL", defaultValue: GATEWAY_URL });

export const ledgerHeadTask = task("ledger:head", "Print a gateway's head (sequence, event_hash) and state. Example: npx hardhat ledger:head --url http://127.0.0.1:8080")
  .addOption({ name: "url", description: "Gateway URL", defaultValue: GATEWAY_URL });

export const ledgerStreamTask = task("ledger:stream", "Print ledger entries as NDJSON from a sequence on, optionally following new ones. Example: npx hardhat ledger:stream --from-sequence 1 --follow")
  .addOption({ name: "url", description: "Gateway URL", defaultValue: GATEWAY_URL })
  .addOption({ name: "fromSequence", description: "First sequence to print", type: ArgumentType.INT, defaultValue: 1 })
  .addFlag({ name: "follow", description: "Keep the connection open and print new entries as they are accepted" });

export const ledgerReplicateTask = task("ledger:replicate", "Run a storage node: pull and check a gateway's ledger, keep a copy, sign commitments, serve /head and /stream. Example: npx hardhat ledger:replicate --gateway http://127.0.0.1:8080 --store data/node.sqlite --ephemeral-key")
  .addOption({ name: "gateway", description: "The gateway to replicate", defaultValue: GATEWAY_URL })
  .addOption({ name: "store", description: "Where this node keeps its copy (SQLite file or postgres:// URL)", defaultValue: "data/node.sqlite" })
  .addOption({ name: "host", description: "Address to serve the copy on", defaultValue: "127.0.0.1" })
  .addOption({ name: "port", description: "Port to serve the copy on", type: ArgumentType.INT, defaultValue: 8090 })
  .addFlag({ name: "ephemeralKey", description: "Sign with a new random key (its id changes at every start); otherwise STORAGE_NODE_KEY from the keystore or environment" })
  .addFlag({ name: "anchors", description: "Check the copy against KPPEAnchor's anchored roots; on a divergence keep what they confirm and resync from there" })
  .addOption({ name: "contract", description: `With --anchors: ${CHAIN_OPTIONS_HELP.contract}`, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: `With --anchors: ${CHAIN_OPTIONS_HELP.rpcUrl}`, defaultValue: "" })
  .addOption({ name: "logKey", description: "The log's verifier key (also KPPE_LOG_VERIFIER_KEY): check every checkpoint the gateway serves against this copy, and refuse a split view", defaultValue: "" })
  .addFlag({ name: "witness", description: "Act as a witness (C2SP tlog-witness POST /add-checkpoint): cosign the log's checkpoints that extend what this node cosigned and match its copy. Needs WITNESS_KEY (npx hardhat log:keygen --cosigner) and --log-key" });

export const ledgerMonitorTask = task("ledger:monitor", "Follow a gateway's signed checkpoints: each must extend the last one seen, what every witness cosigned, and the log anchored on KPPEAnchor; a split view or rewritten history is an alarm with both signed statements as evidence, and with --report it is sent to KPPEAnchor, which freezes anchoring. Example: npx hardhat ledger:monitor --log-key \"$KPPE_LOG_VERIFIER_KEY\" --witnesses http://127.0.0.1:8090 --anchors --report --network localhost")
  .addOption({ name: "gateway", description: "The gateway to follow", defaultValue: GATEWAY_URL })
  .addOption({ name: "logKey", description: "The log's verifier key (also KPPE_LOG_VERIFIER_KEY)", defaultValue: "" })
  .addOption({ name: "witnesses", description: "Storage nodes run with --witness, comma-separated URLs: compare what each cosigned with the gateway's checkpoint and each other's", defaultValue: "" })
  .addFlag({ name: "anchors", description: "Also check each checkpoint against the latest one anchored on KPPEAnchor" })
  .addFlag({ name: "report", description: "With --anchors: send a proven split view to KPPEAnchor (reportEquivocation, signed with PRIVATE_KEY; anyone may), which freezes anchoring until the owner sets another log signer" })
  .addOption({ name: "contract", description: `With --anchors: ${CHAIN_OPTIONS_HELP.contract}`, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: `With --anchors: ${CHAIN_OPTIONS_HELP.rpcUrl}`, defaultValue: "" })
  .addOption({ name: "intervalMs", description: "Time between looks", type: ArgumentType.INT, defaultValue: 10_000 })
  .addFlag({ name: "once", description: "Look once; exit code 1 on an alarm" });

export const ledgerSourceTask = task("ledger:source", "Create a source (prints its API key once) or add credits to one; used by the production profile. Example: npx hardhat ledger:source --source-id shop --credits 100000")
  .addOption({ name: "sourceId", description: "The source's id (events carry it as source_id)", defaultValue: "" })
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "credits", description: "Prepaid events for a new source; -1 for unlimited", type: ArgumentType.INT, defaultValue: -1 })
  .addOption({ name: "rate", description: "Sustained events per second for a new source; 0 for unlimited", type: ArgumentType.FLOAT, defaultValue: 0 })
  .addOption({ name: "burst", description: "Events allowed in a burst above the rate; 0 for one second's worth", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "addCredits", description: "Add this many credits to an existing source instead of creating one", type: ArgumentType.INT, defaultValue: 0 });

export const ledgerAuditTask = task("ledger:audit", "Walk a whole ledger and report the first broken link (exit code 1), or that the chain verifies. Example: npx hardhat ledger:audit --store data/ledger.sqlite (or --url http://127.0.0.1:8080)")
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "url", description: "Audit through a gateway's /stream instead of a store", defaultValue: "" });

export const ledgerTasks = [
  ledgerServeTask.setAction(() => import("./ledger/serve.ts")).build(),

  ledgerSubmitTask.setAction(() => import("./ledger/submit.ts")).build(),

  ledgerHeadTask.setAction(() => import("./ledger/head.ts")).build(),

  ledgerStreamTask.setAction(() => import("./ledger/stream.ts")).build(),

  ledgerReplicateTask.setAction(() => import("./ledger/replicate.ts")).build(),

  ledgerMonitorTask.setAction(() => import("./ledger/monitor.ts")).build(),

  ledgerSourceTask.setAction(() => import("./ledger/source.ts")).build(),

  ledgerAuditTask.setAction(() => import("./ledger/audit.ts")).build(),
];

const RECORDER_HELP = {
  contract: "ProofRecorder address; default PROOF_RECORDER_ADDRESS, else this chain's Ignition deployment (ignition/deployments/chain-<id>)",
  rpcUrl: "JSON-RPC URL to use instead of the --network's (also RPC_URL)",
};

export const recorderAuthorizeTask = task("recorder:authorize", "As ProofRecorder's owner (PRIVATE_KEY), let an address record FlowPay batches and Lucid sessions (setWriter), or stop it with --revoke")
  .addOption({ name: "address", description: "The writer's address (the one poe:anchor's and session:anchor's PRIVATE_KEY signs with)", defaultValue: "" })
  .addFlag({ name: "revoke", description: "Take the right away instead" })
  .addOption({ name: "contract", description: "ProofRecorder address; default PROOF_RECORDER_ADDRESS, else this chain's Ignition deployment", defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" });

export const poeAddOrderTask = task("poe:add-order", "FlowPay addOrderToBatch: link a confirmed payment order (its settlement tx hash) to the open proof-of-execution batch. Example: npx hardhat poe:add-order --order-id ord-1 --tx-hash 0x…")
  .addOption({ name: "orderId", description: "The order's id (1 to 128 characters); adding it again with the same tx hash is safe", defaultValue: "" })
  .addOption({ name: "txHash", description: "The order's settlement transaction hash, 0x + 64 hex: the order's leaf", defaultValue: "" })
  .addOption({ name: "pixChargeId", description: "The PIX charge id, kept with the order", defaultValue: "" })
  .addOption({ name: "amount", description: "The amount, kept with the order as text", defaultValue: "" })
  .addOption({ name: "metadata", description: "A JSON object kept with the order", defaultValue: "" })
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "maxOrders", description: "The batch closes at this many orders; 0 = $POE_MAX_ORDERS or 100", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "maxAgeMs", description: "An open batch this old (ms) is closed before the order joins a new one; 0 = $POE_MAX_AGE_MS or 900000", type: ArgumentType.INT, defaultValue: 0 });

export const poeAnchorTask = task("poe:anchor", "FlowPay anchorActiveBatch: close due batches and record each root and checkpoint with ProofRecorder.recordCheckpoint (until Ctrl-C, or --once). Signs with PRIVATE_KEY, which must be a ProofRecorder writer. Example: npx hardhat poe:anchor --once --now --network localhost")
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "contract", description: RECORDER_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: RECORDER_HELP.rpcUrl, defaultValue: "" })
  .addFlag({ name: "once", description: "Run one cycle and exit" })
  .addFlag({ name: "now", description: "Close the open batch now, full or not, and anchor it" })
  .addOption({ name: "intervalMs", description: "Time between cycles in ms; 0 = $POE_INTERVAL_MS or 30000", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "maxAgeMs", description: "Close the open batch once it is this old (ms); 0 = $POE_MAX_AGE_MS or 900000", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "confirmations", description: "Blocks, the recording one included, before a batch counts as anchored; 0 = $POE_CONFIRMATIONS or 1", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "leaseTtlMs", description: "Lease on the store in ms (one anchorer at a time); 0 = $LEASE_TTL_MS or 30000", type: ArgumentType.INT, defaultValue: 0 });

export const poeBatchesTask = task("poe:batches", "List the newest FlowPay batches: status, orders, root, checkpoint, anchor transaction. Example: npx hardhat poe:batches --limit 10")
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "limit", description: "How many batches, newest first", type: ArgumentType.INT, defaultValue: 20 })
  .addFlag({ name: "json", description: "Print JSON instead of a table" });

export const poeOrderProofTask = task("poe:order-proof", "Print an order's inclusion proof in its anchored FlowPay batch (JSON, verifiable with no database). Example: npx hardhat poe:order-proof --order-id ord-1 --out ord-1.proof.json")
  .addOption({ name: "orderId", description: "The order", defaultValue: "" })
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "out", description: "Write the proof to this file instead of printing it", defaultValue: "" });

export const poeVerifyTask = task("poe:verify", "Check an order's proof: the SHA-256 path and checkpoint off-chain, then the batch recorded on ProofRecorder, with the size it recorded (verifyCheckpointProof)")
  .addOption({ name: "proof", description: "A proof file from poe:order-proof", defaultValue: "" })
  .addOption({ name: "orderId", description: "Build the order's proof from the store instead", defaultValue: "" })
  .addOption({ name: "store", description: STORE_HELP, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: "JSON-RPC URL of the proof's chain instead of the --network's (also RPC_URL)", defaultValue: "" })
  .addOption({ name: "contract", description: RECORDER_TRUST_HELP, defaultValue: "" })
  .addFlag({ name: "offline", description: "Skip the on-chain checks" });

export const poeTasks = [
  recorderAuthorizeTask.setAction(() => import("./recorder/authorizeWriter.ts")).build(),
  poeAddOrderTask.setAction(() => import("./poe/addOrder.ts")).build(),

  poeAnchorTask.setAction(() => import("./poe/anchor.ts")).build(),

  poeBatchesTask.setAction(() => import("./poe/batches.ts")).build(),

  poeOrderProofTask.setAction(() => import("./poe/orderProof.ts")).build(),

  poeVerifyTask.setAction(() => import("./poe/verify.ts")).build(),
];

export const sessionAnchorTask = task("session:anchor", "Lucid session anchoring: hash a recording (file or directory) in chunks, build the Merkle tree, write the manifest, registerSession on ProofRecorder. Signs with PRIVATE_KEY, which must be a ProofRecorder writer. Example: npx hardhat session:anchor --input recordings/call-42 --network base")
  .addOption({ name: "input", description: "The recording: a file, or a directory (every regular file in it, by path)", defaultValue: "" })
  .addOption({ name: "sessionId", description: "The session's id (0x + 64 hex is used as is, anything else is keccak256-hashed); default: the input's name", defaultValue: "" })
  .addOption({ name: "owner", description: "The session owner's address; default: the signing account", defaultValue: "" })
  .addOption({ name: "startedAt", description: "When the session started: unix seconds or ISO 8601; default: now", defaultValue: "" })
  .addOption({ name: "chunkSize", description: "Chunk size in bytes; 0 = 5 MiB (5242880)", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "out", description: "Where to write the manifest; default: <input>.manifest.json beside the input", defaultValue: "" })
  .addOption({ name: "contract", description: RECORDER_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: RECORDER_HELP.rpcUrl, defaultValue: "" })
  .addOption({ name: "confirmations", description: "Blocks, the registering one included, to wait for", type: ArgumentType.INT, defaultValue: 1 });

export const sessionVerifyTask = task("session:verify", "Check a recording (or one chunk) against its manifest and the session registered on chain; names the first chunk that differs. Example: npx hardhat session:verify --manifest rec.manifest.json --input rec --network base")
  .addOption({ name: "manifest", description: "The manifest session:anchor wrote", defaultValue: "" })
  .addOption({ name: "input", description: "The recording to check: the file or directory that was anchored", defaultValue: "" })
  .addOption({ name: "chunk", description: "A file holding a single chunk to check (with --index)", defaultValue: "" })
  .addOption({ name: "index", description: "Which chunk of the manifest --chunk is (from 0)", type: ArgumentType.INT, defaultValue: -1 })
  .addOption({ name: "rpcUrl", description: "JSON-RPC URL of the session's chain instead of the --network's (also RPC_URL)", defaultValue: "" })
  .addOption({ name: "contract", description: RECORDER_TRUST_HELP, defaultValue: "" })
  .addFlag({ name: "offline", description: "Skip the on-chain checks" });

export const sessionTasks = [
  sessionAnchorTask.setAction(() => import("./session/anchor.ts")).build(),

  sessionVerifyTask.setAction(() => import("./session/verify.ts")).build(),
];

export const pootScheduleTask = task("poot:schedule", "Recompute an epoch's PoOT ranking and leader schedule from the window's task proofs: anyone gets the same (docs/poot.md); with a chain, check it against the committed root or commit it. Example: npx hardhat poot:schedule --gateway http://127.0.0.1:8080 --epoch 12 --check --network localhost")
  .addOption({ name: "proofs", description: "JSON file: an array of signed task proofs (or --gateway)", defaultValue: "" })
  .addOption({ name: "gateway", description: "A gateway collecting task proofs: read the window's from its GET /poot/proofs", defaultValue: "" })
  .addOption({ name: "epoch", description: "The epoch (720 slots of 120 s from the deployment's genesis)", type: ArgumentType.INT, defaultValue: -1 })
  .addOption({ name: "seed", description: "The last anchored log root before the epoch (0x + 64 hex); read from the chain when --contract/--rpc-url are given", defaultValue: "" })
  .addOption({ name: "genesis", description: "Unix time at which slot 0 starts (read from the chain with --contract)", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "deployment", description: "The KPPEAnchor address the proofs were signed for (the chain's with --contract)", defaultValue: "" })
  .addOption({ name: "slots", description: "How many of the epoch's slots to print", type: ArgumentType.INT, defaultValue: 8 })
  .addFlag({ name: "json", description: "Print the whole schedule, tally and refusals as JSON" })
  .addOption({ name: "out", description: "Write the schedule (epoch, seed, leaders, tally, slots) to this JSON file, to publish it", defaultValue: "" })
  .addFlag({ name: "save", description: "Record the tally and schedule in the store (work_tally, leader_schedule), served at GET /poot/schedule/<epoch>" })
  .addOption({ name: "store", description: `With --save: ${STORE_HELP}`, defaultValue: "" })
  .addFlag({ name: "check", description: "Compare with the leaders committed on KPPEAnchorScheduled; exit code 1 when they differ (a wrong schedule) or are missing" })
  .addFlag({ name: "commit", description: "As the contract's owner (PRIVATE_KEY): commit the epoch's leaders, unless they are (then as --check)" })
  .addOption({ name: "contract", description: CHAIN_OPTIONS_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" });

export const pootStatusTask = task("poot:status", "Show the PoOT epoch, its committed leaders (with their credits from a gateway), each recent slot's leaders, and who anchored it (in turn or not). Example: npx hardhat poot:status --gateway http://127.0.0.1:8080 --network localhost")
  .addOption({ name: "epoch", description: "The epoch; -1 = the chain's current one", type: ArgumentType.INT, defaultValue: -1 })
  .addOption({ name: "slots", description: "How many of the epoch's slots up to now to show", type: ArgumentType.INT, defaultValue: 16 })
  .addOption({ name: "gateway", description: "A gateway with the recorded tally (GET /poot/schedule/<epoch>), to show the ranking's credits", defaultValue: "" })
  .addOption({ name: "contract", description: CHAIN_OPTIONS_HELP.contract, defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" });

export const pootPayoutsTask = task("poot:payouts", "Compute a month's payout among PoOT operators in proportion to their credits (work_tally), show it, write it (--out) and post it to the payout router (--post, PAYOUT_PRIVATE_KEY). Example: npx hardhat poot:payouts --month 2026-11 --amount 25000 --genesis 1790000000 --gateway http://127.0.0.1:8080 --out 2026-11.json")
  .addOption({ name: "month", description: "The month, YYYY-MM (UTC): the epochs that start in it", defaultValue: "" })
  .addOption({ name: "amount", description: "The month's total in token units (e.g. 25000 or 1234.56); it is split to the token's smallest unit, exactly", defaultValue: "" })
  .addOption({ name: "genesis", description: "The deployment's GENESIS (unix time of slot 0)", type: ArgumentType.INT, defaultValue: 0 })
  .addOption({ name: "gateway", description: "Read the epochs' tallies from this gateway (GET /poot/schedule/<epoch>)", defaultValue: "" })
  .addOption({ name: "store", description: `Or from a store: ${STORE_HELP}`, defaultValue: "" })
  .addOption({ name: "router", description: "The PayoutRouterV0/PayoutRouterKYC address (also PAYOUT_ROUTER_ADDRESS): its token's decimals, and where --post posts", defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" })
  .addOption({ name: "out", description: "Write the distribution, with each operator's claim proof, to this JSON file", defaultValue: "" })
  .addFlag({ name: "post", description: "Post the month's root and total to the router, signed with PAYOUT_PRIVATE_KEY (never an anchoring key)" });

export const pootClaimTask = task("poot:claim", "Claim an operator's payout of a posted month from the router (OPERATOR_PRIVATE_KEY sends it; the operator is paid). Example: npx hardhat poot:claim --distribution 2026-11.json --network base")
  .addOption({ name: "distribution", description: "The distribution file poot:payouts --out wrote", defaultValue: "" })
  .addOption({ name: "operator", description: "The operator to claim for (default: OPERATOR_PRIVATE_KEY's address)", defaultValue: "" })
  .addOption({ name: "router", description: "The payout router (also PAYOUT_ROUTER_ADDRESS)", defaultValue: "" })
  .addOption({ name: "rpcUrl", description: CHAIN_OPTIONS_HELP.rpcUrl, defaultValue: "" });

export const pootTasks = [
  pootScheduleTask.setAction(() => import("./poot/schedule.ts")).build(),
  pootStatusTask.setAction(() => import("./poot/status.ts")).build(),
  pootPayoutsTask.setAction(() => import("./poot/payouts.ts")).build(),
  pootClaimTask.setAction(() => import("./poot/claim.ts")).build(),
];
