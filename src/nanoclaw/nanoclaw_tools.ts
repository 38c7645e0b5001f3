/**
 * NanoClaw's tools for the agent: they write the IPC files NanoClaw's host reads (the same
 * shapes its Claude runner writes) and read the task list the host provides.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defineTool, stringArg, type Tool, ToolError } from "../tools/tool.ts";
import { writeIpcFile } from "./ipc.ts";
import { IPC_AVAILABLE_GROUPS, IPC_CURRENT_TASKS, IPC_MESSAGES, IPC_TASKS } from "./protocol.ts";

/** Who the agent is working for. */
export interface NanoClawContext {
  /** The workspace root (`/workspace`). */
  workspace: string;
  /** The chat's JID. */
  chatJid: string;
  /** The group's folder. */
  groupFolder: string;
  /** Whether this is the main group. */
  isMain: boolean;
}

const now = () => new Date().toISOString();
const ok = (output: string) => ({ ok: true, output, summary: output.split("\n")[0].slice(0, 100) });

/** Check a schedule value; returns the problem, or undefined. */
export function scheduleProblem(type: string, value: string): string | undefined {
  if (type === "cron") {
    const fields = value.trim().split(/\s+/);
    const field =
      /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;
    if (fields.length !== 5 || !fields.every((f) => field.test(f))) {
      return `Invalid cron "${value}": use five fields, like "0 9 * * *" (daily at 9) or "*/5 * * * *".`;
    }
  } else if (type === "interval") {
    if (!/^\d+$/.test(value) || Number(value) <= 0) {
      return `Invalid interval "${value}": give milliseconds, like "300000" for 5 minutes.`;
    }
  } else if (type === "once") {
    if (/[Zz]$|[+-]\d{2}:\d{2}$/.test(value)) {
      return `Use local time without a time zone, like "2026-02-01T15:30:00" (got "${value}").`;
    }
    if (Number.isNaN(new Date(value).getTime())) {
      return `Invalid time "${value}": use local time like "2026-02-01T15:30:00".`;
    }
  } else {
    return `schedule_type must be cron, interval or once (got "${type}").`;
  }
  return undefined;
}

/** NanoClaw's tools; `register_group` only for the main group. */
export function nanoclawTools(ctx: NanoClawContext): Tool[] {
  const messages = join(ctx.workspace, IPC_MESSAGES);
  const tasks = join(ctx.workspace, IPC_TASKS);
  /** The tasks this group may act on, from the host's snapshot (undefined: none written yet). */
  const visibleTasks = async (): Promise<Record<string, unknown>[] | undefined> => {
    try {
      const all = JSON.parse(await readFile(join(ctx.workspace, IPC_CURRENT_TASKS), "utf8"));
      if (!Array.isArray(all)) return undefined;
      return ctx.isMain ? all : all.filter((t) => t.groupFolder === ctx.groupFolder);
    } catch {
      return undefined;
    }
  };
  const taskControl = (type: string, verb: string): Tool => ({
    definition: defineTool(type, `${verb[0].toUpperCase()}${verb.slice(1)} a scheduled task.`, {
      task_id: { type: "string", description: "The task's id, as list_tasks shows it." },
    }, ["task_id"]),
    async run(args) {
      const taskId = stringArg(args, "task_id");
      // The host refuses ids it does not know for this group, silently: refuse them here.
      const known = await visibleTasks();
      if (!known?.some((t) => t.id === taskId)) {
        throw new ToolError(
          `There is no task ${taskId} among this group's tasks; nothing was asked. Use list_tasks for the ids.`,
        );
      }
      await writeIpcFile(tasks, {
        type,
        taskId,
        groupFolder: ctx.groupFolder,
        isMain: ctx.isMain,
        timestamp: now(),
      });
      return ok(
        `Asked NanoClaw to ${verb} task ${taskId}; it applies it within seconds (list_tasks shows the result on the next message).`,
      );
    },
  });

  const tools: Tool[] = [
    {
      definition: defineTool(
        "send_message",
        "Send a message to the chat right away, while you keep working: progress updates, or " +
          "several messages. Your final answer is sent anyway; do not repeat it here.",
        {
          text: { type: "string", description: "The message." },
          sender: { type: "string", description: "Optional role name shown as the sender." },
        },
        ["text"],
      ),
      async run(args) {
        const text = stringArg(args, "text");
        await writeIpcFile(messages, {
          type: "message",
          chatJid: ctx.chatJid,
          text,
          ...(typeof args.sender === "string" && args.sender ? { sender: args.sender } : {}),
          groupFolder: ctx.groupFolder,
          timestamp: now(),
        });
        return ok("Message sent.");
      },
    },
    {
      definition: defineTool(
        "schedule_task",
        "Schedule a task that runs as a full agent later, once or repeatedly. context_mode " +
          "'group' runs with this chat's history; 'isolated' starts fresh (put all context in " +
          "the prompt). Its output goes to the chat unless wrapped in <internal>. Times are local.",
        {
          prompt: { type: "string", description: "What the task should do." },
          schedule_type: { type: "string", enum: ["cron", "interval", "once"] },
          schedule_value: {
            type: "string",
            description:
              'cron "0 9 * * *" | interval ms "300000" | once local "2026-02-01T15:30:00"',
          },
          context_mode: { type: "string", enum: ["group", "isolated"] },
          target_group_jid: {
            type: "string",
            description: "Main group only: the JID of the group to schedule it for.",
          },
        },
        ["prompt", "schedule_type", "schedule_value"],
      ),
      async run(args) {
        const prompt = stringArg(args, "prompt");
        const type = stringArg(args, "schedule_type");
        const value = stringArg(args, "schedule_value");
        const problem = scheduleProblem(type, value);
        if (problem) throw new ToolError(problem);
        const mode = args.context_mode === "isolated" ? "isolated" : "group";
        const target =
          ctx.isMain && typeof args.target_group_jid === "string" && args.target_group_jid
            ? args.target_group_jid
            : ctx.chatJid;
        // NanoClaw gives the task its own id: none is invented here (the Claude runner's way).
        await writeIpcFile(tasks, {
          type: "schedule_task",
          prompt,
          schedule_type: type,
          schedule_value: value,
          context_mode: mode,
          targetJid: target,
          createdBy: ctx.groupFolder,
          timestamp: now(),
        });
        return ok(
          `Asked NanoClaw to schedule the task (${type} ${value}); it gets its id there, and list_tasks shows it from the next message on.`,
        );
      },
    },
    {
      definition: defineTool(
        "list_tasks",
        "List the scheduled tasks (the main group sees all groups' tasks).",
        {},
        [],
      ),
      async run() {
        const mine = await visibleTasks() ?? [];
        if (!mine.length) return ok("No scheduled tasks.");
        const lines = mine.map((t) =>
          `- [${t.id}] ${
            String(t.prompt ?? "").slice(0, 60)
          } (${t.schedule_type}: ${t.schedule_value}) ` +
          `${t.status ?? ""}, next: ${t.next_run ?? "n/a"}`
        );
        return ok(`Scheduled tasks:\n${lines.join("\n")}`);
      },
    },
    taskControl("pause_task", "pause"),
    taskControl("resume_task", "resume"),
    taskControl("cancel_task", "cancel"),
  ];
  if (ctx.isMain) {
    tools.push({
      definition: defineTool(
        "register_group",
        "Register a chat so the assistant answers there (main group only). Find JIDs in " +
          `${
            join(ctx.workspace, IPC_AVAILABLE_GROUPS)
          }. folder: '{channel}_{group-name}', lowercase.`,
        {
          jid: { type: "string" },
          name: { type: "string", description: "Display name." },
          folder: { type: "string", description: 'Like "whatsapp_family-chat".' },
          trigger: { type: "string", description: 'Trigger word, like "@Andy".' },
        },
        ["jid", "name", "folder", "trigger"],
      ),
      async run(args) {
        const data = {
          type: "register_group",
          jid: stringArg(args, "jid"),
          name: stringArg(args, "name"),
          folder: stringArg(args, "folder"),
          trigger: stringArg(args, "trigger"),
          timestamp: now(),
        };
        if (!/^[a-z0-9]+_[a-z0-9-]+$/.test(data.folder)) {
          throw new ToolError(
            `folder must look like "whatsapp_family-chat" (got "${data.folder}").`,
          );
        }
        await writeIpcFile(tasks, data);
        return ok(`Asked NanoClaw to register the group "${data.name}".`);
      },
    });
  }
  return tools;
}
