// A process the model controls swaps a workspace folder with a symlink to outside, as fast
// as it can, while write_file and read_file run: nothing may land outside or be read from there.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { withWorkspace } from "./_test_helpers.ts";
import { readFileTool } from "./read_file.ts";
import { writeFileTool } from "./write_file.ts";

const ATTEMPTS = 480;

test("swap race: 480 writes and reads while a folder is swapped with a symlink: 0 outside", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    const outside = `${dir}-outside`;
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, "secret.txt"), "OUTSIDE SECRET\n");
    await mkdir(join(dir, "d"));
    await writeFile(join(dir, "d", "secret.txt"), "inside\n");
    const swapper = spawn("bash", [
      "-c",
      `cd '${dir}'; while :; do mv d d.real; ln -s '${outside}' d; rm d; mv d.real d; done`,
    ], { stdio: "ignore" });
    try {
      const written: number[] = [];
      let refused = 0;
      let leakedReads = 0;
      for (let i = 0; i < ATTEMPTS; i++) {
        const [w, r] = await Promise.all([
          writeFileTool.run({ path: `d/f${i}.txt`, content: `content ${i}\n` }, ctx)
            .then(() => true, () => false),
          readFileTool.run({ path: "d/secret.txt" }, ctx).then((x) => x.output, () => ""),
        ]);
        if (w) written.push(i);
        else refused++;
        if (r.includes("OUTSIDE")) leakedReads++;
      }
      swapper.kill("SIGKILL");
      await new Promise((r) => swapper.once("close", r));
      const landed = (await readdir(outside, { recursive: true })).filter((n) =>
        n !== "secret.txt"
      );
      assert.deepEqual(landed, [], "no file (nor temp file) landed outside");
      assert.equal(leakedReads, 0, "no read came from outside");
      assert.equal(await readFile(join(outside, "secret.txt"), "utf8"), "OUTSIDE SECRET\n");
      // Every write reported done is inside, whole (the swapper's renames may have nested
      // the folders: search the workspace, never following a link).
      const found = new Map<string, string>();
      for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (e.isFile() && /^f\d+\.txt$/.test(e.name)) {
          found.set(e.name, await readFile(join(e.parentPath, e.name), "utf8"));
        }
      }
      for (const i of written) assert.equal(found.get(`f${i}.txt`), `content ${i}\n`);
      assert.ok(written.length > 0 && refused > 0, "the race really ran both ways");
      console.log(
        `${ATTEMPTS} attempts: ${written.length} written inside, ${refused} refused, 0 outside`,
      );
    } finally {
      swapper.kill("SIGKILL");
      await rm(outside, { recursive: true, force: true });
    }
  }));
