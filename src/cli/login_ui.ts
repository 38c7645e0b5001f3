/**
 * The login's terminal side: the sign-in address, a countdown while waiting, the device
 * code shown large, and reading a pasted address. Shared by `login` and NanoClaw's setup.
 *
 * @module
 */

import process from "node:process";
import { noBrowserReason } from "../auth/browser.ts";
import {
  browserLogin,
  type CompleteLogin,
  deviceLogin,
  type LoginUi,
  pasteLogin,
} from "../auth/login_flows.ts";
import type { OAuthServer } from "../auth/oauth.ts";
import type { SignedIn } from "../auth/pages.ts";
import { currentEnv } from "../paths.ts";
import { LineReader } from "./line_reader.ts";

const err = (s: string) => void process.stderr.write(s);
/** Whether stderr is a terminal that takes colour. */
export const tty: boolean = process.stderr.isTTY === true && !currentEnv().NO_COLOR;
/** Bold, on a terminal. */
export const bold = (s: string): string => (tty ? `\x1b[1m${s}\x1b[22m` : s);
/** Dim, on a terminal. */
export const dim = (s: string): string => (tty ? `\x1b[2m${s}\x1b[22m` : s);

/** A login UI on stderr; `input` gives the line reader for paste mode (made on first use). */
export function terminalUi(input: () => LineReader): LoginUi {
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let frame = 0;
  return {
    showUrl(url, mode, opened) {
      if (mode === "browser") {
        err(
          opened
            ? "Your browser should open to sign in. If it does not, open this address:\n"
            : "Open this address in a browser on this machine to sign in:\n",
        );
      } else {
        err("Open this address in a browser (on any machine) and sign in:\n");
      }
      err(`\n  ${url}\n\n`);
      if (mode === "paste") {
        const port = new URL(new URL(url).searchParams.get("redirect_uri") ?? "http://x:1455").port;
        err(dim(
          `If that browser can reach this machine's port ${port} (it runs here, or through\n` +
            `\`ssh -L ${port}:localhost:${port}\`), the login finishes by itself. Otherwise it lands on\n` +
            "a localhost address that does not load: copy that whole address and paste it below.\n\n",
        ));
      }
    },
    waiting(msLeft) {
      if (!tty) return;
      const s = Math.ceil(msLeft / 1000);
      const left = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
      err(
        `\r${frames[frame++ % frames.length]} Waiting for the sign-in… ${left} left ${
          dim("(Ctrl-C to cancel)")
        }  `,
      );
    },
    showDeviceCode(code, url) {
      const spaced = code.split("").join(" ");
      const line = "═".repeat(spaced.length + 6);
      err(`On any device, open ${bold(url)} and enter this code:\n\n`);
      err(`    ╔${line}╗\n    ║   ${bold(spaced)}   ║\n    ╚${line}╝\n\n`);
      err(dim("Waiting for you to enter it (up to 15 minutes; Ctrl-C to cancel)…\n"));
    },
    readLine: (prompt) => input().next(prompt),
    notice: (text) => err(`${tty ? "\r\x1b[K" : ""}${text}\n`),
  };
}

/** How to sign in interactively. */
export interface InteractiveLoginOptions {
  /** Use the device code. */
  device?: boolean;
  /** Paste mode even where a browser could open. */
  noBrowser?: boolean;
  /** Callback ports for the browser mode. */
  ports?: readonly number[];
}

/**
 * Sign in on this terminal: the device code when asked; paste mode when asked, over SSH or
 * with no display; else the browser. Ctrl-C cancels.
 */
export async function interactiveLogin(
  server: OAuthServer,
  complete: CompleteLogin,
  options: InteractiveLoginOptions = {},
): Promise<SignedIn> {
  let reader: LineReader | undefined;
  const ui = terminalUi(() => (reader ??= new LineReader()));
  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.on("SIGINT", onSigint);
  try {
    if (options.device) return await deviceLogin(server, ui, complete, { signal: ctl.signal });
    const why = options.noBrowser ? "" : noBrowserReason();
    if (options.noBrowser || why) {
      if (why) ui.notice(`Paste mode, because ${why} (use --device for a code instead).`);
      return await pasteLogin(server, ui, complete, { signal: ctl.signal, ports: options.ports });
    }
    return await browserLogin(server, ui, complete, { signal: ctl.signal, ports: options.ports });
  } finally {
    process.off("SIGINT", onSigint);
    reader?.close();
  }
}
