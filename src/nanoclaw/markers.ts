/**
 * Output markers: how the container reports results to NanoClaw's host, as they happen.
 *
 * @module
 */

import { type ContainerOutput, OUTPUT_END, OUTPUT_START } from "./protocol.ts";

/** The text that reports one result. */
export function formatOutput(output: ContainerOutput): string {
  return `${OUTPUT_START}\n${JSON.stringify(output)}\n${OUTPUT_END}\n`;
}

/** Every result in a stream of output, as the host parses it (everything else is log). */
export function parseOutputs(text: string): ContainerOutput[] {
  const out: ContainerOutput[] = [];
  const lines = text.split("\n");
  for (let i = 0; i + 2 < lines.length; i++) {
    if (lines[i] === OUTPUT_START && lines[i + 2] === OUTPUT_END) {
      out.push(JSON.parse(lines[i + 1]));
      i += 2;
    }
  }
  return out;
}
