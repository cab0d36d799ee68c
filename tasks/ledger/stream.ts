import { userError } from "../errors.ts";
import type { ledgerStreamTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

export default async function stream({ url, fromSequence, follow }: TaskArgs<typeof ledgerStreamTask>): Promise<void> {
  const target = `${url}/stream?from_sequence=${fromSequence}${follow ? "&follow=1" : ""}`;
  const response = await fetch(target).catch((cause) => {
    throw userError(`cannot reach the gateway at ${url} (${(cause as Error).message}); is \`npx hardhat ledger:serve\` running?`);
  });
  if (!response.ok) throw userError(`${target} answered ${response.status}: ${await response.text()}`);
  const reader = response.body!.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) process.stdout.write(chunk.value);
}
