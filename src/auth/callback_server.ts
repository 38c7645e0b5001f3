/**
 * The loopback listener the browser is sent back to after signing in. It binds 127.0.0.1
 * on the first free port of a list, hands the callback's parameters to the login, and
 * answers the browser with the page the login returns.
 *
 * @module
 */

import { createServer, type Server } from "node:http";
import { CALLBACK_HOST, CALLBACK_PATH } from "./protocol.ts";

/** What the login answers a callback with. */
export interface CallbackResult {
  /** HTTP status for the browser. */
  status: number;
  /** The page. */
  html: string;
}

/** A listening callback server. */
export interface CallbackServer {
  /** The port it got. */
  port: number;
  /** The redirect URI to send in the authorize request. */
  redirectUri: string;
  /** Stop listening. */
  close(): Promise<void>;
}

/** No port of the list was free. */
export class PortsBusyError extends Error {
  /** The ports tried. */
  readonly ports: readonly number[];
  /** Create one. */
  constructor(ports: readonly number[]) {
    super(`Ports ${ports.join(" and ")} are busy (is another login running?).`);
    this.name = "PortsBusyError";
    this.ports = ports;
  }
}

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (e.code === "EADDRINUSE" || e.code === "EACCES") resolve(false);
      else reject(e);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(true);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, "127.0.0.1");
  });
}

/**
 * Listen on the first free port of `ports` for `GET /auth/callback`; each callback's query
 * goes to `onCallback`, whose result is shown to the browser.
 */
export async function startCallbackServer(
  ports: readonly number[],
  onCallback: (params: URLSearchParams) => Promise<CallbackResult>,
): Promise<CallbackServer> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || url.pathname !== CALLBACK_PATH) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      return;
    }
    const result = await onCallback(url.searchParams);
    res.writeHead(result.status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      connection: "close",
    }).end(result.html);
  });
  for (const port of ports) {
    if (await listen(server, port)) {
      return {
        port,
        redirectUri: `http://${CALLBACK_HOST}:${port}${CALLBACK_PATH}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      };
    }
  }
  throw new PortsBusyError(ports);
}
