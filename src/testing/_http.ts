// Small helpers the fake's routes share.
import type { ServerResponse } from "node:http";

/** Answer with JSON; returns the status (for the request log). */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
  return status;
}

/** Wait `ms`. */
export const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
