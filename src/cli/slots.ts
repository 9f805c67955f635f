import { Either } from "effect";
import { decodeSlotSpec, slotsOfSpec } from "../domain/spec.ts";
import { formatInstant } from "../domain/time.ts";

const readStdin = async () => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

/**
 * `slots < spec.json`: prints `{"slots":[…]}` (sorted UTC instants), or exits 2 with
 * `{"error":"…"}` naming what is wrong. A stable contract: other tools rely on it.
 */
export const slotsCommand = async (): Promise<number> => {
  const text = await readStdin();
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: `spec: not valid JSON (${(error as Error).message})` })}\n`);
    return 2;
  }
  const spec = decodeSlotSpec(input);
  if (Either.isLeft(spec)) {
    process.stdout.write(`${JSON.stringify({ error: `${spec.left.field}: ${spec.left.message}` })}\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify({ slots: slotsOfSpec(spec.right).map(formatInstant) })}\n`);
  return 0;
};
