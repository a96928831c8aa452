// Parses a unified git patch (`git diff` output) into files, hunks and numbered lines. Tolerant: a patch cut short
// (the API truncates big ones) yields what it has, and unknown header lines are ignored.
import type { RunDiffFile } from '../api/types';

export type FileStatus = 'added' | 'deleted' | 'modified' | 'renamed';

export interface DiffLine {
  type: 'add' | 'del' | 'context' | 'note';
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

export interface DiffHunk {
  header: string;
  oldStart: number;
  newStart: number;
  lines: DiffLine[];
}

export interface DiffFile {
  oldPath: string | null;
  newPath: string | null;
  /** The path to show: the new one, or the old one for a deleted file. */
  path: string;
  status: FileStatus;
  binary: boolean;
  hunks: DiffHunk[];
  additions: number;
  deletions: number;
}

/** Reads a git path: `a/x`, `b/x`, `/dev/null`, or a C-quoted `"a/na\303\257ve"`. */
export function gitPath(raw: string): string | null {
  let value = raw.replace(/\t.*$/, '').trimEnd();
  if (value === '/dev/null') return null;
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = unquote(value.slice(1, -1));
  return value.replace(/^[ab]\//, '');
}

function unquote(text: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      bytes.push(...encoder.encode(c));
      continue;
    }
    const n = text[++i];
    if (n === undefined) break;
    if (/[0-7]/.test(n)) {
      const octal = text.slice(i, i + 3);
      bytes.push(parseInt(octal, 8));
      i += 2;
    } else {
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v' };
      bytes.push(...encoder.encode(map[n] ?? n));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** `diff --git a/x b/x` → both paths when they can be told apart (same path, or no spaces). */
function gitHeaderPaths(line: string): [string | null, string | null] {
  const rest = line.slice('diff --git '.length);
  const quoted = rest.match(/^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/);
  if (quoted) return [gitPath(quoted[1]!), gitPath(quoted[2]!)];
  // Paths with spaces: "a/p q b/p q" splits in the middle when both sides are the same.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ') {
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (a.slice(2) === b.slice(2)) return [gitPath(a), gitPath(b)];
  }
  return [null, null];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

export function parsePatch(patch: string | null | undefined): DiffFile[] {
  if (!patch) return [];
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let hunk: DiffHunk | null = null;
  let oldLine = 0;
  let newLine = 0;
  let explicitStatus = false;

  const finish = () => {
    if (!file) return;
    file.path = file.newPath ?? file.oldPath ?? file.path;
    if (!explicitStatus) {
      if (file.oldPath === null && file.newPath !== null) file.status = 'added';
      else if (file.newPath === null && file.oldPath !== null) file.status = 'deleted';
      else if (file.oldPath !== file.newPath) file.status = 'renamed';
    }
    files.push(file);
  };
  const start = (oldPath: string | null, newPath: string | null) => {
    finish();
    file = { oldPath, newPath, path: newPath ?? oldPath ?? '', status: 'modified', binary: false, hunks: [], additions: 0, deletions: 0 };
    hunk = null;
    explicitStatus = false;
  };

  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('diff --git ')) {
      const [a, b] = gitHeaderPaths(line);
      start(a, b);
      continue;
    }
    if (hunk && file) {
      const f: DiffFile = file;
      const h: DiffHunk = hunk;
      const c = line[0];
      if (c === '+') {
        h.lines.push({ type: 'add', text: line.slice(1), oldLine: null, newLine: newLine++ });
        f.additions++;
        continue;
      }
      if (c === '-' && !line.startsWith('--- ')) {
        h.lines.push({ type: 'del', text: line.slice(1), oldLine: oldLine++, newLine: null });
        f.deletions++;
        continue;
      }
      if (c === '-' && line.startsWith('--- ')) {
        // Could be a removed line starting with "-- "; a real header only follows after the hunk is complete.
        if (!hunkComplete(h)) {
          h.lines.push({ type: 'del', text: line.slice(1), oldLine: oldLine++, newLine: null });
          f.deletions++;
          continue;
        }
      }
      if (c === ' ' || line === '') {
        h.lines.push({ type: 'context', text: line.slice(1), oldLine: oldLine++, newLine: newLine++ });
        continue;
      }
      if (c === '\\') {
        h.lines.push({ type: 'note', text: line.slice(2), oldLine: null, newLine: null });
        continue;
      }
    }
    const hunkHeader = line.match(HUNK);
    if (hunkHeader) {
      if (!file) start(null, null);
      oldLine = Number(hunkHeader[1]);
      newLine = Number(hunkHeader[3]);
      hunk = { header: line, oldStart: oldLine, newStart: newLine, lines: [] };
      file!.hunks.push(hunk);
      continue;
    }
    if (line.startsWith('--- ')) {
      // Starts a file of its own in a plain `diff -u` patch (no `diff --git` line before it).
      if (!file || (file as DiffFile).hunks.length > 0) start(gitPath(line.slice(4)), null);
      else (file as DiffFile).oldPath = gitPath(line.slice(4));
      hunk = null;
      continue;
    }
    if (line.startsWith('+++ ')) {
      if (!file) start(null, gitPath(line.slice(4)));
      else (file as DiffFile).newPath = gitPath(line.slice(4));
      continue;
    }
    if (!file) continue;
    const f: DiffFile = file;
    if (line.startsWith('new file mode')) {
      f.status = 'added';
      f.oldPath = null;
      explicitStatus = true;
    } else if (line.startsWith('deleted file mode')) {
      f.status = 'deleted';
      f.newPath = null;
      explicitStatus = true;
    } else if (line.startsWith('rename from ')) {
      f.oldPath = gitPath(line.slice('rename from '.length));
      f.status = 'renamed';
      explicitStatus = true;
    } else if (line.startsWith('rename to ')) {
      f.newPath = gitPath(line.slice('rename to '.length));
      f.status = 'renamed';
      explicitStatus = true;
    } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') {
      f.binary = true;
    }
  }
  finish();
  return files;
}

function hunkComplete(hunk: DiffHunk): boolean {
  const m = hunk.header.match(HUNK);
  if (!m) return true;
  const oldCount = m[2] === undefined ? 1 : Number(m[2]);
  const newCount = m[4] === undefined ? 1 : Number(m[4]);
  let olds = 0;
  let news = 0;
  for (const l of hunk.lines) {
    if (l.type === 'del' || l.type === 'context') olds++;
    if (l.type === 'add' || l.type === 'context') news++;
  }
  return olds >= oldCount && news >= newCount;
}

export interface DiffEntry {
  path: string;
  status: FileStatus | string;
  additions: number;
  deletions: number;
  /** The file's patch, or null when the (truncated) patch does not include it. */
  patch: DiffFile | null;
}

/**
 * The API's file list (authoritative for status and counts, and complete even when the patch was truncated) joined
 * with the parsed patch; files only the patch knows are appended.
 */
export function joinDiff(files: readonly RunDiffFile[], patch: string | null | undefined): DiffEntry[] {
  const parsed = parsePatch(patch);
  const byPath = new Map<string, DiffFile>();
  for (const f of parsed) {
    byPath.set(f.path, f);
    if (f.oldPath && !byPath.has(f.oldPath)) byPath.set(f.oldPath, f);
  }
  const used = new Set<DiffFile>();
  const entries: DiffEntry[] = files.map((f) => {
    const p = byPath.get(f.path) ?? null;
    if (p) used.add(p);
    return { path: f.path, status: f.status, additions: f.additions, deletions: f.deletions, patch: p };
  });
  for (const f of parsed) {
    if (!used.has(f)) entries.push({ path: f.path, status: f.status, additions: f.additions, deletions: f.deletions, patch: f });
  }
  return entries;
}

const LANGUAGES: Record<string, string> = {
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  java: 'java',
  kt: 'kotlin',
  kts: 'kotlin',
  py: 'python',
  json: 'json',
  xml: 'xml',
  html: 'xml',
  htm: 'xml',
  svg: 'xml',
  pom: 'xml',
  css: 'css',
  scss: 'css',
  sh: 'bash',
  bash: 'bash',
  zsh: 'bash',
  yml: 'yaml',
  yaml: 'yaml',
  md: 'markdown',
  markdown: 'markdown',
  sql: 'sql',
  go: 'go',
  rs: 'rust',
  properties: 'ini',
  ini: 'ini',
  toml: 'ini',
};

/** The highlight.js language for a path, or null for plain text. */
export function languageOf(path: string): string | null {
  const name = path.split('/').pop() ?? path;
  if (name === 'Dockerfile' || name.endsWith('.dockerfile')) return 'bash';
  if (name === 'Makefile') return null;
  const dot = name.lastIndexOf('.');
  if (dot < 0) return null;
  return LANGUAGES[name.slice(dot + 1).toLowerCase()] ?? null;
}
