// The verifier page's script: reads the receipt and what the user trusts from the form, runs the
// same checks as `kppe verify`, and shows each one. Text from the receipt is only ever set as
// textContent, never parsed as HTML.
import { BrowserProvider, isAddress, type Eip1193Provider } from "ethers";
import { rpcProvider } from "../chain/rpcProvider.ts";
import { verifyReceipt, type ReceiptVerifyOptions } from "../receipt/verifyReceipt.ts";

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const field = (id: string) => element<HTMLInputElement | HTMLTextAreaElement>(id).value.trim();

// Links may prefill the trusted values: #contract=0x…&rpc-url=…&log-key=… (a fragment is never sent to a server).
for (const [key, value] of new URLSearchParams(location.hash.slice(1))) {
  const input = document.getElementById(key);
  if (input instanceof HTMLInputElement && input.type === "text") input.value = value;
}

async function readDropped(file: File) {
  element<HTMLTextAreaElement>("receipt").value = await file.text();
}

const drop = element("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const file = event.dataTransfer?.files[0];
  if (file) void readDropped(file);
});
element<HTMLInputElement>("receipt-file").addEventListener("change", (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void readDropped(file);
});

function show(status: string, verdict: string): void {
  element("result").hidden = false;
  const line = element("verdict");
  line.dataset.status = status;
  line.textContent = verdict;
}

function link(href: string, text: string): HTMLAnchorElement {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  a.rel = "noopener noreferrer";
  a.target = "_blank";
  return a;
}

/** The chain to check against, from the form; undefined for offline checks only. */
async function trustedChain(): Promise<ReceiptVerifyOptions["chain"]> {
  const contract = field("contract");
  const rpcUrl = field("rpc-url");
  const useWallet = element<HTMLInputElement>("use-wallet").checked;
  if (!rpcUrl && !useWallet) return undefined;
  if (!isAddress(contract)) throw new Error(`KPPEAnchor address: ${JSON.stringify(contract)} is not an address (0x and 40 hex digits); on-chain checks need the deployment you trust`);
  if (useWallet) {
    const injected = (window as { ethereum?: Eip1193Provider }).ethereum;
    if (!injected) throw new Error("no browser wallet found (window.ethereum): give a JSON-RPC URL instead");
    return { provider: new BrowserProvider(injected), contract };
  }
  try {
    new URL(rpcUrl);
  } catch {
    throw new Error(`JSON-RPC URL: ${JSON.stringify(rpcUrl)} is not a URL`);
  }
  return { provider: rpcProvider(rpcUrl, 20_000), contract };
}

async function verify(): Promise<void> {
  const rows = element("checks");
  rows.replaceChildren();
  element("claim").textContent = "";
  element("links").replaceChildren();
  show("running", "Checking…");
  try {
    const bodyText = field("body");
    let eventBody: unknown;
    if (bodyText) {
      try {
        eventBody = JSON.parse(bodyText);
      } catch (error) {
        throw new Error(`event body: not valid JSON (${(error as Error).message})`);
      }
    }
    const threshold = field("threshold");
    if (threshold && !/^[1-9][0-9]*$/.test(threshold)) throw new Error(`threshold: expected a positive whole number, got ${JSON.stringify(threshold)}`);
    const result = await verifyReceipt(field("receipt"), {
      eventBody,
      logKey: field("log-key") || undefined,
      witnessKeys: field("witness-keys").split(",").map((k) => k.trim()).filter(Boolean),
      threshold: threshold ? Number(threshold) : undefined,
      chain: await trustedChain(),
    });
    show(result.verdict.status, result.verdict.line);
    element("claim").textContent = result.claim;
    if (result.explorer) element("links").append(link(result.explorer.tx, "transaction on the explorer"), " · ", link(result.explorer.contract, "contract on the explorer"));
    for (const check of result.checks) {
      const row = document.createElement("tr");
      row.dataset.check = check.name;
      row.dataset.result = check.skipped ? "not-checked" : check.ok ? "pass" : "fail";
      for (const [text, kind] of [
        [check.name, "name"],
        [check.skipped ? "not checked" : check.ok ? "pass" : "FAIL", "result"],
        [check.detail, "detail"],
      ]) {
        const cell = document.createElement("td");
        cell.className = kind;
        cell.textContent = text;
        row.append(cell);
      }
      rows.append(row);
    }
  } catch (error) {
    show("error", `Cannot verify: ${(error as Error).message}`);
  }
}

element("verify").addEventListener("click", () => void verify());
document.body.dataset.ready = "true";
