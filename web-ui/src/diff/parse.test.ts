import { describe, expect, it } from 'vitest';
import { gitPath, joinDiff, languageOf, parsePatch } from './parse';

const PATCH = `diff --git a/README.md b/README.md
index 3b18e51..a5c1966 100644
--- a/README.md
+++ b/README.md
@@ -1,3 +1,4 @@
 # Demo
-old line
+new line
+another line
 end
diff --git a/src/new.ts b/src/new.ts
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/src/new.ts
@@ -0,0 +1,2 @@
+export const a = 1;
+-- not a header, an added line
\\ No newline at end of file
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index e69de29..0000000
--- a/gone.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-bye
--- a removed line that looks like a header
diff --git a/old name.txt b/new name.txt
similarity index 90%
rename from old name.txt
rename to new name.txt
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..1234567
Binary files /dev/null and b/logo.png differ
`;

describe('parsePatch', () => {
  const files = parsePatch(PATCH);

  it('finds every file with its status', () => {
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ['README.md', 'modified'],
      ['src/new.ts', 'added'],
      ['gone.txt', 'deleted'],
      ['new name.txt', 'renamed'],
      ['logo.png', 'added'],
    ]);
    expect(files[3]!.oldPath).toBe('old name.txt');
    expect(files[4]!.binary).toBe(true);
  });

  it('numbers lines on both sides and counts additions and deletions', () => {
    const readme = files[0]!;
    expect(readme.additions).toBe(2);
    expect(readme.deletions).toBe(1);
    const lines = readme.hunks[0]!.lines;
    expect(lines.map((l) => [l.type, l.oldLine, l.newLine, l.text])).toEqual([
      ['context', 1, 1, '# Demo'],
      ['del', 2, null, 'old line'],
      ['add', null, 2, 'new line'],
      ['add', null, 3, 'another line'],
      ['context', 3, 4, 'end'],
    ]);
  });

  it('keeps added and removed lines that look like file headers, and no-newline notes', () => {
    const added = files[1]!;
    expect(added.hunks[0]!.lines.map((l) => l.type)).toEqual(['add', 'add', 'note']);
    expect(added.hunks[0]!.lines[1]!.text).toBe('-- not a header, an added line');
    const deleted = files[2]!;
    expect(deleted.deletions).toBe(2);
    expect(deleted.hunks[0]!.lines[1]!.text).toBe('-- a removed line that looks like a header');
  });

  it('reads a patch cut in the middle of a hunk', () => {
    const cut = PATCH.slice(0, PATCH.indexOf('+another line'));
    const partial = parsePatch(cut);
    expect(partial).toHaveLength(1);
    expect(partial[0]!.hunks[0]!.lines.map((l) => l.type)).toEqual(['context', 'del', 'add']);
  });

  it('reads plain diff -u output without git headers', () => {
    const plain = `--- a/one.txt\n+++ b/one.txt\n@@ -1 +1 @@\n-a\n+b\n--- a/two.txt\n+++ b/two.txt\n@@ -1 +1 @@\n-c\n+d\n`;
    expect(parsePatch(plain).map((f) => [f.path, f.additions, f.deletions])).toEqual([
      ['one.txt', 1, 1],
      ['two.txt', 1, 1],
    ]);
  });

  it('returns nothing for an empty patch', () => {
    expect(parsePatch('')).toEqual([]);
    expect(parsePatch(null)).toEqual([]);
  });
});

describe('gitPath', () => {
  it('strips prefixes and decodes quoted octal escapes', () => {
    expect(gitPath('a/src/x.ts')).toBe('src/x.ts');
    expect(gitPath('/dev/null')).toBeNull();
    expect(gitPath('"b/na\\303\\257ve \\"q\\".txt"')).toBe('naïve "q".txt');
  });
});

describe('joinDiff', () => {
  it('keeps every file of the API list, with null patches for files a truncated patch lacks', () => {
    const truncated = PATCH.slice(0, PATCH.indexOf('diff --git a/gone.txt'));
    const entries = joinDiff(
      [
        { path: 'README.md', status: 'modified', additions: 2, deletions: 1 },
        { path: 'src/new.ts', status: 'added', additions: 2, deletions: 0 },
        { path: 'gone.txt', status: 'deleted', additions: 0, deletions: 2 },
      ],
      truncated,
    );
    expect(entries.map((e) => [e.path, e.status, e.patch !== null])).toEqual([
      ['README.md', 'modified', true],
      ['src/new.ts', 'added', true],
      ['gone.txt', 'deleted', false],
    ]);
  });

  it('appends files that only the patch knows', () => {
    const entries = joinDiff([], PATCH);
    expect(entries).toHaveLength(5);
    expect(entries[1]).toMatchObject({ path: 'src/new.ts', status: 'added', additions: 2 });
  });
});

describe('languageOf', () => {
  it('maps extensions to registered highlight.js languages', () => {
    expect(languageOf('src/App.tsx')).toBe('typescript');
    expect(languageOf('pom.xml')).toBe('xml');
    expect(languageOf('Main.java')).toBe('java');
    expect(languageOf('LICENSE')).toBeNull();
  });
});
