import { randomBytes } from "node:crypto";

/** A random resource ID with a type prefix, e.g. `iss_3f9c…` (96 bits). */
export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

/** A bytes32 holding an ASCII code (at most 32 characters), right-padded with zeros. */
export function bytes32Text(text: string): string {
  const hex = Buffer.from(text.slice(0, 32), "ascii").toString("hex");
  return `0x${hex.padEnd(64, "0")}`;
}
