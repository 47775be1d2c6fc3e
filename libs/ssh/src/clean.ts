/**
 * Pure text processing for raw CLI session output: terminal control handling, pager and echo
 * removal, prompt detection and vendor error detection. No I/O.
 */
import { PLATFORMS, Platform } from '../../common/src/platforms';
import { getProfile } from './profiles';

/**
 * Control sequences we recognise. CSI sequences keep their parameters and final byte (cursor left,
 * cursor to column and erase-in-line are applied; everything else is dropped).
 */
/* eslint-disable no-control-regex */
const CONTROL =
  /\x1b\[([0-9;?<=>]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|\x9b[0-9;?]*[@-~]|[\r\b\x00-\x07\x0b-\x1f\x7f]/g;
const NEEDS_EMULATION = /[\r\b\x1b\x00-\x07\x0b-\x1f\x7f\x9b]/;
/* eslint-enable no-control-regex */

/**
 * Renders ONE line (no `\n`) the way a line-oriented terminal reader sees it: escape sequences
 * removed; backspace, `ESC[nD` and carriage return move the cursor back and text written after
 * that replaces the rest of the line (`abc\b\bx` → `ax`; ` --More-- ` + backspaces + spaces +
 * backspaces + `next` → `next`; `x\r    \rnext` → `next`); `ESC[K` erases to the end of the line.
 * When the cursor had moved back, trailing blanks left by an erase are trimmed.
 */
export function renderLine(line: string): string {
  if (!NEEDS_EMULATION.test(line)) return line;
  // Fast path for the common `text\r` (the `\r` of `\r\n`).
  if (line.charCodeAt(line.length - 1) === 13) {
    const body = line.slice(0, -1);
    if (!NEEDS_EMULATION.test(body)) return body;
  }
  let out = '';
  let col = 0;
  let moved = false;
  const write = (text: string) => {
    if (col < out.length) out = out.slice(0, col);
    else if (col > out.length) out += ' '.repeat(col - out.length);
    out += text;
    col = out.length;
  };
  let last = 0;
  CONTROL.lastIndex = 0;
  for (let m = CONTROL.exec(line); m !== null; m = CONTROL.exec(line)) {
    if (m.index > last) write(line.slice(last, m.index));
    last = m.index + m[0].length;
    const token = m[0];
    if (token === '\r') {
      if (last < line.length) moved = true;
      col = 0;
    } else if (token === '\b') {
      moved = true;
      if (col > 0) col--;
    } else if (m[2] !== undefined) {
      const n = parseInt(m[1] || '1', 10) || 1;
      switch (m[2]) {
        case 'D': // cursor back
          moved = true;
          col = Math.max(0, col - n);
          break;
        case 'C': // cursor forward
          col += n;
          break;
        case 'G': // cursor to column
          moved = true;
          col = Math.max(0, n - 1);
          break;
        case 'K': {
          // erase in line: 0 = to end, 1 = to start, 2 = all
          moved = true;
          const mode = parseInt(m[1] || '0', 10);
          if (mode === 0) out = out.slice(0, col);
          else if (mode === 1) out = ' '.repeat(Math.min(col + 1, out.length)) + out.slice(col + 1);
          else out = '';
          break;
        }
        default:
          break; // colours, modes, cursor visibility... carry no text
      }
    }
  }
  if (last < line.length) write(line.slice(last));
  return moved ? out.trimEnd() : out;
}

/** Removes ANSI/VT100 escape sequences and control characters without applying cursor motion. */
export function stripAnsi(text: string): string {
  return text.replace(CONTROL, (token) => (token === '\r' || token === '\b' ? token : ''));
}

/**
 * Turns a raw terminal capture into plain text lines joined by `\n`: escape sequences stripped,
 * backspaces and carriage returns applied per line, `\r\n` → `\n`.
 */
export function normalizeTerminalOutput(raw: string): string {
  if (!NEEDS_EMULATION.test(raw)) return raw;
  const lines = raw.split('\n');
  for (let i = 0; i < lines.length; i++) lines[i] = renderLine(lines[i]);
  return lines.join('\n');
}

/** Last line of a (raw) buffer tail, rendered; '' when the tail ends with a newline. */
export function lastLine(raw: string): string {
  const nl = raw.lastIndexOf('\n');
  return renderLine(nl === -1 ? raw : raw.slice(nl + 1));
}

/** Drops pager prompts that leaked into the output (whole lines, or at the start of a line). */
export function removePagerPrompts(platform: Platform, text: string): string {
  const profile = getProfile(platform);
  if (profile.pagerLeaks.length === 0) return text;
  const quick = /More|more/;
  if (!quick.test(text)) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    let kept = line;
    if (quick.test(line)) {
      for (const leak of profile.pagerLeaks) {
        if (leak.test(kept)) {
          kept = kept.replace(leak, '');
          if (kept.trim() === '') kept = '';
          break;
        }
      }
      if (kept === '' && line !== '') continue;
    }
    out.push(kept);
  }
  return out.join('\n');
}

/**
 * Removes the echoed command line at the start of (normalized) output. The echo may be preceded by
 * the prompt (`R1#show version`) or by blank lines.
 */
export function stripCommandEcho(text: string, command: string): string {
  const cmd = command.trim();
  if (cmd === '') return text;
  let start = 0;
  // Skip leading blank lines.
  for (;;) {
    const nl = text.indexOf('\n', start);
    const line = nl === -1 ? text.slice(start) : text.slice(start, nl);
    if (line.trim() === '' && nl !== -1) {
      start = nl + 1;
      continue;
    }
    if (line.trimEnd().endsWith(cmd)) return nl === -1 ? '' : text.slice(nl + 1);
    return text;
  }
}

/**
 * Removes the trailing prompt line (and Junos context lines like `[edit]` just above it) from
 * normalized output, plus trailing blank lines.
 */
export function stripTrailingPrompt(text: string, basePrompt: string | null, platform: Platform): string {
  const profile = getProfile(platform);
  const prompt = basePrompt ? promptRegex(platform, basePrompt) : profile.anyPrompt;
  let end = text.length;
  let removedPrompt = false;
  for (;;) {
    // Drop trailing blank lines.
    while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === ' ' || text[end - 1] === '\t')) {
      const nl = text.lastIndexOf('\n', end - 1);
      const line = text.slice(nl + 1, end);
      if (line.trim() !== '') break;
      end = nl === -1 ? 0 : nl;
    }
    if (end === 0) break;
    const nl = text.lastIndexOf('\n', end - 1);
    const line = text.slice(nl + 1, end);
    if (!removedPrompt && prompt.test(line)) {
      removedPrompt = true;
      end = nl === -1 ? 0 : nl;
      continue;
    }
    if (removedPrompt && profile.contextLines.some((re) => re.test(line))) {
      end = nl === -1 ? 0 : nl;
      continue;
    }
    break;
  }
  return text.slice(0, end);
}

function trimBlankLines(text: string): string {
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1 || text.slice(start, nl).trim() !== '') break;
    start = nl + 1;
  }
  let end = text.length;
  for (;;) {
    const nl = text.lastIndexOf('\n', end - 1);
    if (nl < start || text.slice(nl + 1, end).trim() !== '') break;
    end = nl;
  }
  const out = text.slice(start, end);
  return out.trim() === '' ? '' : out;
}

export interface CleanOptions {
  platform: Platform;
  /** The command that was sent; its echo is removed from the start. */
  command?: string;
  /** The base prompt (from findBasePrompt); without it any prompt of the platform is removed. */
  basePrompt?: string | null;
}

/**
 * Cleans the raw capture of one command: terminal controls applied, pager prompts removed, the
 * echoed command and the trailing prompt removed, lines joined by `\n`, no leading or trailing
 * blank lines. Linear in the size of the capture.
 */
export function cleanOutput(raw: string, options: CleanOptions): string {
  let text = normalizeTerminalOutput(raw);
  text = removePagerPrompts(options.platform, text);
  if (options.command !== undefined) text = stripCommandEcho(text, options.command);
  text = stripTrailingPrompt(text, options.basePrompt ?? null, options.platform);
  return trimBlankLines(text);
}

/** How many lines at the start of the output may hold the vendor's rejection of the command. */
const ERROR_SCAN_LINES = 6;

/**
 * The vendor's "invalid command" line (`% Invalid input detected at '^' marker.`, `Error: ...`,
 * `unknown command.`, `bash: x: command not found`), or null. Devices print it right after the echo
 * (below the caret line), so only the first lines of the cleaned output are examined, and only
 * whole lines from column 0 match: an `Error` inside an interface description is not an error.
 */
export function detectCommandError(platform: Platform, output: string): string | null {
  const patterns = getProfile(platform).errorPatterns;
  let seen = 0;
  let pos = 0;
  while (pos <= output.length && seen < ERROR_SCAN_LINES) {
    const nl = output.indexOf('\n', pos);
    const line = (nl === -1 ? output.slice(pos) : output.slice(pos, nl)).trimEnd();
    pos = nl === -1 ? output.length + 1 : nl + 1;
    if (line.trim() === '') continue;
    seen++;
    if (patterns.some((re) => re.test(line))) return line.trim();
  }
  return null;
}

const promptCache = new Map<string, RegExp>();

/** The compiled prompt regex for a device (cached). */
export function promptRegex(platform: Platform, basePrompt: string): RegExp {
  const key = `${platform}\u0000${basePrompt}`;
  let re = promptCache.get(key);
  if (!re) {
    if (promptCache.size > 1000) promptCache.clear();
    re = getProfile(platform).promptFor(basePrompt);
    promptCache.set(key, re);
  }
  return re;
}

/** Base prompt from a prompt line, or null when the line is not a prompt of this platform. */
export function basePromptOf(platform: Platform, line: string): string | null {
  const m = getProfile(platform).anyPrompt.exec(line.trimEnd());
  if (!m) return null;
  const base = m[1] ?? m[2];
  return base ? base : null;
}

/**
 * Like netmiko `set_base_prompt`: the base prompt (hostname part, without `>`/`#`/brackets/mode)
 * from the last non-blank line of the text read after login. `R1>` → `R1`, `<HW1>` → `HW1`,
 * `admin@mx1> ` → `admin@mx1`, `admin@srv1:~$ ` → `admin@srv1`. Null when that line is not a
 * prompt of the platform.
 */
export function findBasePrompt(platform: Platform, text: string): string | null {
  const lines = normalizeTerminalOutput(text).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line === '') continue;
    return basePromptOf(platform, line);
  }
  return null;
}

/**
 * True when the buffer ends with the device's prompt on its own line, in any mode (`R1>`, `R1#`,
 * `R1(config-if)#`, `<HW1>`, `[HW1-GigabitEthernet0/0/1]`, `admin@mx1# `). Only the last line
 * is examined: pass the tail of the buffer (a few hundred bytes), never the whole output. A `>`
 * inside output, or a prompt-like line followed by a newline, does not count.
 */
export function endsWithPrompt(tail: string, basePrompt: string, platform: Platform): boolean {
  const line = lastLine(tail);
  if (line.trim() === '') return false;
  return promptRegex(platform, basePrompt).test(line);
}

/** True when the buffer ends with any prompt of the platform (base prompt not yet known). */
export function endsWithAnyPrompt(tail: string, platform: Platform): boolean {
  const line = lastLine(tail);
  if (line.trim() === '') return false;
  return getProfile(platform).anyPrompt.test(line);
}

/** True when the buffer ends with a pager prompt waiting for a key. */
export function endsWithPager(tail: string, platform: Platform): boolean {
  const prompts = getProfile(platform).pagerPrompts;
  if (prompts.length === 0) return false;
  const line = lastLine(tail);
  if (line.trim() === '') return false;
  return prompts.some((re) => re.test(line));
}

/** The platforms whose prompt the line looks like (used to diagnose a wrong platform setting). */
export function platformsMatchingPrompt(line: string): Platform[] {
  return PLATFORMS.filter((p) => getProfile(p).anyPrompt.test(line.trimEnd()));
}
