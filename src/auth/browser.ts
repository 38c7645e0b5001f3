/**
 * Opening the sign-in page in the person's browser, where there is one.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";

type Env = Record<string, string | undefined>;

/** Why the browser will not be opened here (SSH, no display), or undefined when it can be. */
export function noBrowserReason(
  env: Env = process.env,
  platform: string = process.platform,
): string | undefined {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return "this is an SSH session";
  if (platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY && !env.BROWSER) {
    return "there is no graphical display";
  }
  return undefined;
}

/**
 * The command that opens `url` on this platform. On Windows `start` goes through cmd.exe,
 * which would cut the URL at its first `&`; rundll32 takes it whole.
 */
export function openCommand(
  url: string,
  env: Env = process.env,
  platform: string = process.platform,
) {
  if (env.BROWSER) return { cmd: env.BROWSER, args: [url] };
  if (platform === "darwin") return { cmd: "open", args: [url] };
  if (platform === "win32") return { cmd: "rundll32", args: ["url.dll,FileProtocolHandler", url] };
  return { cmd: "xdg-open", args: [url] };
}

/** Try to open `url`; false when no opener could be started. */
export function openBrowser(url: string): Promise<boolean> {
  const { cmd, args } = openCommand(url);
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: "ignore", detached: true });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
