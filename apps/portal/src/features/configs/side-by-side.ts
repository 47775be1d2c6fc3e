/** One side of a row: its line number in that config and the text. */
export interface Cell {
  line: number;
  text: string;
}

/** A row of a side-by-side diff: the same line on both sides, or what was removed beside what was added. */
export type Row =
  | { kind: 'context'; left: Cell; right: Cell }
  | { kind: 'change'; left: Cell | null; right: Cell | null }
  | { kind: 'hunk'; header: string };

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/**
 * Lays a unified diff (as configDiff answers it) out side by side: context on both sides, each run
 * of removed lines beside the run of added lines that replaced it, a `hunk` row where lines were
 * left out. Pure, so that it is tested without a browser.
 */
export function sideBySide(unified: string): Row[] {
  const rows: Row[] = [];
  let left = 0;
  let right = 0;
  let removed: Cell[] = [];
  let added: Cell[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++)
      rows.push({ kind: 'change', left: removed[i] ?? null, right: added[i] ?? null });
    removed = [];
    added = [];
  };
  let inHunk = false;
  for (const line of unified.split('\n')) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      flush();
      left = Number(hunk[1]);
      right = Number(hunk[2]);
      rows.push({ kind: 'hunk', header: line });
      inHunk = true;
      continue;
    }
    // Headers (---, +++, Index:) come before the first hunk; "\ No newline" notes carry no line.
    if (!inHunk || line.startsWith('\\')) continue;
    const text = line.slice(1);
    if (line.startsWith('-')) removed.push({ line: left++, text });
    else if (line.startsWith('+')) added.push({ line: right++, text });
    else if (line.startsWith(' ')) {
      flush();
      rows.push({ kind: 'context', left: { line: left++, text }, right: { line: right++, text } });
    }
  }
  flush();
  return rows;
}
