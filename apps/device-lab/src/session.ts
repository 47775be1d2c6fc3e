import type { SimDevice } from './device';
import type { CommandResult, Shell } from './shells/base';
import { CiscoShell } from './shells/cisco';
import { JunosShell } from './shells/junos';
import { LinuxShell } from './shells/linux';
import { VrpShell } from './shells/vrp';

/** Where a session's bytes go: the SSH channel in the lab, an array in unit tests. */
export interface SessionSink {
  write(data: string): void;
  /** Ends the session cleanly (exit/logout/quit). */
  end(): void;
  /** Destroys the TCP connection abruptly (dropMidOutput fault). */
  destroy(): void;
}

export function createShell(device: SimDevice, username: string): Shell {
  switch (device.platform) {
    case 'cisco_ios':
    case 'arista_eos':
    case 'cisco_nxos':
    case 'cisco_xr':
    case 'cisco_asa':
    case 'aruba_aoscx':
    case 'dell_os10':
    case 'ruijie_os':
      return new CiscoShell(device, username);
    case 'huawei':
    case 'hp_comware':
      return new VrpShell(device, username);
    case 'juniper_junos':
      return new JunosShell(device, username);
    case 'linux':
      return new LinuxShell(device, username);
  }
}

/** MOTD lines that look like prompts of several vendors, as real banners often contain. */
export const PROMPT_LIKE_MOTD = [
  '#################################################################',
  '# core-sw1# and <HW-CORE> are production: no changes without CR #',
  '# admin@edge> use "show" commands only                          #',
  'R1#',
  '<HW-CORE>',
  '[admin@edge ~]$',
  '#################################################################',
].join('\n');

/** Screen height before paging: 23 output lines plus the pager prompt. */
export const PAGE_LINES = 23;
const DROP_THRESHOLD = 2048;

/**
 * Terminal behaviour of one interactive shell: echo, line editing, password entry without echo,
 * paging, type-ahead while output is pending, and the latency/hang/drop faults. Vendor logic lives
 * in the Shell.
 */
export class CliSession {
  private line = '';
  private inbox = '';
  private inboxPos = 0;
  private busy = false;
  private draining = false;
  private hung = false;
  private closed = false;
  private lastWasCR = false;
  private escape = 0;
  private password: { prompt: string; check(password: string): CommandResult } | null = null;
  private paging: { lines: string[]; pos: number; trailer: string } | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Before the banner: waiting for any key (`pressAnyKey`) or for a RETURN (`silentUntilReturn`). */
  private gate: 'key' | 'return' | null = null;

  constructor(
    readonly shell: Shell,
    private readonly device: SimDevice,
    private readonly sink: SessionSink,
  ) {}

  start(): void {
    this.busy = true;
    this.after(this.device.faults.bannerDelayMs ?? 0, () => {
      const faults = this.device.faults;
      if (faults.passwordChange) {
        this.write('Your password has expired and must be changed.\r\nNew password: ');
        this.password = {
          prompt: 'New password: ',
          check: () => ({
            kind: 'mode',
            output: '',
            password: {
              prompt: 'Retype new password: ',
              check: () => ({ kind: 'mode', output: 'Password change failed. Session closed.', close: true }),
            },
          }),
        };
      } else if (faults.silentUntilReturn) this.gate = 'return';
      else if (faults.pressAnyKey) {
        this.gate = 'key';
        this.write('Press any key to continue');
      } else this.greet();
      this.busy = false;
      this.drain();
    });
  }

  /** Banner, the prompt-like MOTD fault, then the first prompt. */
  private greet(): void {
    const banner = this.shell.banner();
    const motd = this.device.faults.promptLikeMotd ? PROMPT_LIKE_MOTD + '\n' : '';
    this.write((banner ? crlf(banner) + '\r\n' : '') + crlf(motd) + crlf(this.shell.prompt()));
  }

  input(data: string): void {
    if (this.closed || this.hung) return;
    this.inbox = this.inbox.slice(this.inboxPos) + data;
    this.inboxPos = 0;
    this.drain();
  }

  /** Stops timers; called when the channel or connection closes. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  get isHung(): boolean {
    return this.hung;
  }

  private write(data: string): void {
    if (!this.closed && data) this.sink.write(data);
  }

  private after(ms: number, fn: () => void): void {
    if (!(ms > 0)) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while ((!this.busy || this.paging) && !this.closed && !this.hung && this.inboxPos < this.inbox.length) {
        this.char(this.inbox[this.inboxPos++]!);
      }
    } finally {
      this.draining = false;
    }
  }

  private char(ch: string): void {
    if (this.gate) {
      if (this.gate === 'key' || ch === '\r' || ch === '\n') {
        if (this.gate === 'key') this.write('\r\n');
        this.gate = null;
        this.lastWasCR = ch === '\r';
        this.greet();
      }
      return;
    }
    const code = ch.charCodeAt(0);
    if (this.escape) {
      // Skip ANSI escape sequences (arrow keys): ESC [ ... final byte.
      if (this.escape === 1 && ch !== '[' && ch !== 'O') this.escape = 0;
      else if (this.escape === 1) this.escape = 2;
      else if (code >= 0x40 && code <= 0x7e) this.escape = 0;
      return;
    }
    const wasCR = this.lastWasCR;
    this.lastWasCR = ch === '\r';
    if (this.paging) {
      if (ch === '\n' && wasCR) return;
      this.pagerKey(ch);
      return;
    }
    if (ch === '\r' || ch === '\n') {
      if (ch === '\n' && wasCR) return;
      this.enter();
      return;
    }
    if (ch === '\x7f' || ch === '\b') {
      if (this.line.length) {
        this.line = this.line.slice(0, -1);
        if (!this.password) this.write('\b \b');
      }
      return;
    }
    if (ch === '\x1b') {
      this.escape = 1;
      return;
    }
    if (ch === '\x03') {
      this.line = '';
      if (this.password) {
        this.password = null;
        this.write('\r\n' + crlf(this.shell.prompt()));
      } else this.write('^C\r\n' + crlf(this.shell.prompt()));
      return;
    }
    if (ch === '\x1a') {
      this.line = '';
      this.write('^Z\r\n');
      this.run('\x1a');
      return;
    }
    if (code < 0x20 && ch !== '\t') return;
    this.line += ch;
    if (!this.password) this.write(ch);
  }

  private enter(): void {
    const line = this.line;
    this.line = '';
    this.write('\r\n');
    if (this.password) {
      const req = this.password;
      this.password = null;
      this.deliver(req.check(line), 0);
      return;
    }
    this.run(line);
  }

  private run(line: string): void {
    const trimmed = line.trim();
    if (trimmed && trimmed !== '\x1a') this.device.commandLog.push(trimmed);
    const r = this.shell.execute(line);
    if (this.device.faults.hang && r.kind !== 'mode' && r.kind !== 'paging' && r.kind !== 'empty') {
      this.hung = true;
      return;
    }
    this.deliver(r, r.kind === 'empty' ? 0 : (this.device.faults.commandLatencyMs ?? 0));
  }

  private deliver(r: CommandResult, latencyMs: number): void {
    this.busy = true;
    this.after(latencyMs, () => {
      this.emit(r);
      if (!this.paging) this.busy = false;
      this.drain();
    });
  }

  private emit(r: CommandResult): void {
    const out = r.output;
    if (r.password) {
      this.write((out ? crlf(out) + '\r\n' : '') + r.password.prompt);
      this.password = r.password;
      return;
    }
    if (r.close) {
      this.write(out ? crlf(out) + '\r\n' : '');
      this.closed = true;
      this.sink.end();
      return;
    }
    const faults = this.device.faults;
    if (faults.dropMidOutput && out.length > DROP_THRESHOLD) {
      this.write(crlf(out.slice(0, Math.floor(out.length / 2))));
      this.closed = true;
      this.sink.destroy();
      return;
    }
    const trailer = crlf(this.shell.trailer(r));
    if (out && this.shell.pager && !this.shell.pagingOff) {
      const lines = out.split('\n');
      if (lines.length > PAGE_LINES) {
        this.paging = { lines, pos: 0, trailer };
        this.showLines(PAGE_LINES, '');
        return;
      }
    }
    this.write(out ? this.device.crlf(out) + '\r\n' + trailer : trailer);
  }

  private showLines(count: number, prefix: string): void {
    const p = this.paging!;
    const chunk = p.lines.slice(p.pos, p.pos + count);
    p.pos += chunk.length;
    if (p.pos >= p.lines.length) {
      this.paging = null;
      this.write(prefix + chunk.join('\r\n') + '\r\n' + p.trailer);
      this.busy = false;
      return;
    }
    this.write(prefix + chunk.join('\r\n') + '\r\n' + this.shell.pager!.prompt);
  }

  private pagerKey(ch: string): void {
    const pager = this.shell.pager!;
    if (ch === ' ') this.showLines(PAGE_LINES, pager.erase);
    else if (ch === '\r' || ch === '\n') this.showLines(1, pager.erase);
    else {
      const trailer = this.paging!.trailer;
      this.paging = null;
      this.busy = false;
      this.write(pager.erase + trailer);
    }
  }
}

export function crlf(text: string): string {
  return text.indexOf('\n') < 0 ? text : text.replace(/\r?\n/g, '\r\n');
}
