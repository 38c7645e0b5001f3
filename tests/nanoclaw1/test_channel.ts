// A NanoClaw 1.x channel for tests: messages arrive as lines of JSON appended to
// $TEST_CHANNEL_DIR/inbox.jsonl ({chatJid, sender, text}); what NanoClaw sends goes to
// outbox.jsonl ({chatJid, text}). Installed into the host copy's src/channels/.
import fs from 'fs';
import path from 'path';

import { registerChannel, type ChannelOpts } from './registry.js';
import type { Channel } from '../types.js';

const dir = process.env.TEST_CHANNEL_DIR!;

class TestChannel implements Channel {
  name = 'test';
  private opts: ChannelOpts;
  private seen = 0;
  private timer?: ReturnType<typeof setInterval>;
  constructor(opts: ChannelOpts) {
    this.opts = opts;
  }
  async connect(): Promise<void> {
    this.timer = setInterval(() => this.poll(), 100);
  }
  private poll(): void {
    let lines: string[] = [];
    try {
      lines = fs.readFileSync(path.join(dir, 'inbox.jsonl'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return;
    }
    for (const line of lines.slice(this.seen)) {
      const m = JSON.parse(line);
      const ts = new Date().toISOString();
      this.opts.onChatMetadata(m.chatJid, ts, 'Test chat', 'test', true);
      this.opts.onMessage(m.chatJid, {
        id: `in-${this.seen}`,
        chat_jid: m.chatJid,
        sender: m.sender,
        sender_name: m.sender,
        content: m.text,
        timestamp: ts,
      });
      this.seen++;
    }
  }
  async sendMessage(jid: string, text: string): Promise<void> {
    fs.appendFileSync(path.join(dir, 'outbox.jsonl'), JSON.stringify({ chatJid: jid, text }) + '\n');
  }
  isConnected(): boolean {
    return true;
  }
  ownsJid(jid: string): boolean {
    return jid.startsWith('test:');
  }
  async disconnect(): Promise<void> {
    clearInterval(this.timer);
  }
}

registerChannel('test', (opts) => (dir ? new TestChannel(opts) : null));
