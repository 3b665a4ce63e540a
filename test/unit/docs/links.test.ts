// The documents the repository refers to live inside it (issue 12 §3): a person who clones it gets every document
// its README, its docs and its code comments point at, and nothing points at a folder outside the checkout.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
/** This file, which names examples of what it looks for: the scans of the repository leave it out. */
const self = relative(root, fileURLToPath(import.meta.url))
  .split(sep)
  .join('/');

/**
 * The files a commit of this checkout holds: tracked ones still on disk, and new ones git does not ignore (so a
 * new file is checked before it is committed). Null outside a git checkout.
 */
function repositoryFiles(): string[] | null {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) return null;
  const names = new Set(r.stdout.split('\0').filter(Boolean));
  return [...names].filter((f) => existsSync(join(root, f))).sort();
}

const files = repositoryFiles();
const NOT_A_CHECKOUT = 'not a git checkout: these checks list the repository with `git ls-files`';

/**
 * A file's text, or null for a binary file (a NUL byte in its first 8 KiB, as git decides) and for anything but
 * a plain file (a symbolic link, such as a worktree's link to another checkout's node_modules).
 */
function textOf(file: string): string | null {
  if (!lstatSync(join(root, file)).isFile()) return null;
  const bytes = readFileSync(join(root, file));
  if (bytes.subarray(0, 8192).includes(0)) return null;
  return bytes.toString('utf8');
}

/** Markdown without its code: fenced blocks and inline code spans hold examples, not links. */
function withoutCode(markdown: string): string {
  return markdown
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
}

/** `(target)` or `(target "title")` after a link's text, the target optionally in `<…>`. */
const DEST = String.raw`\(\s*<?([^)\s>]+)>?(?:\s+[^)]*)?\)`;

/**
 * The link targets of a Markdown text that point into the repository: images (`![a](x)`), links (`[t](x)`, an
 * image inside the text included), reference definitions (`[t]: x`) and HTML `href`/`src`. Targets with a scheme
 * (`https:`, `mailto:`) and same-page anchors (`#section`) are left out.
 */
function relativeLinks(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets: string[] = [];
  for (const m of text.matchAll(new RegExp(String.raw`!\[[^\]]*\]${DEST}`, 'g'))) targets.push(m[1]!);
  for (const m of text.matchAll(new RegExp(String.raw`(?<!!)\[(?:[^[\]]|\[[^\]]*\])*\]${DEST}`, 'g')))
    targets.push(m[1]!);
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)) targets.push(m[1]!);
  for (const m of text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/gi)) targets.push(m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#') && !t.startsWith('//'));
}

/** Why a link target from `file` does not lead to a file of the repository, or null when it does. */
function brokenLink(file: string, target: string): string | null {
  let path = target.replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    return 'is not a valid URL path';
  }
  const full = resolve(root, dirname(file), path);
  if (full !== root && !full.startsWith(root + sep)) return 'points outside the repository';
  return existsSync(full) ? null : 'points at nothing';
}

/** Where the workplace keeps its documents, outside the checkout: a clone never has them. */
const OUTSIDE = ['../shared/docs', '/work/shared'];

describe('documents the repository refers to', () => {
  it('every relative link in README.md and docs/*.md leads to a file in the repository', (ctx) => {
    if (!files) return ctx.skip(NOT_A_CHECKOUT);
    const docs = existsSync(join(root, 'docs'))
      ? readdirSync(join(root, 'docs'))
          .filter((n) => n.endsWith('.md'))
          .map((n) => `docs/${n}`)
      : [];
    const pages = ['README.md', ...docs];
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      for (const target of relativeLinks(readFileSync(join(root, page), 'utf8'))) {
        checked++;
        const why = brokenLink(page, target);
        if (why) broken.push(`${page}: (${target}) ${why}`);
      }
    }
    expect(broken).toEqual([]);
    // The README's screenshots alone are links; finding none would mean the parser, not the pages, is broken.
    expect(checked).toBeGreaterThan(0);
  });

  it('no file names a folder outside the checkout (the workplace documents a clone does not get)', (ctx) => {
    if (!files) return ctx.skip(NOT_A_CHECKOUT);
    const found: string[] = [];
    for (const file of files) {
      const text = file === self ? null : textOf(file);
      if (text === null) continue;
      text.split('\n').forEach((line, i) => {
        for (const outside of OUTSIDE) if (line.includes(outside)) found.push(`${file}:${i + 1}: ${outside}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('every docs/<name>.md and every NAME.md a file mentions exists in the repository', (ctx) => {
    if (!files) return ctx.skip(NOT_A_CHECKOUT);
    const present = new Set(files);
    const basenames = new Set(files.map((f) => f.slice(f.lastIndexOf('/') + 1)));
    const missing: string[] = [];
    for (const file of files) {
      const text = file === self ? null : textOf(file);
      if (text === null) continue;
      text.split('\n').forEach((line, i) => {
        // `docs/x.md`, also as `../docs/x.md`, but not the tail of another path (`/work/y/docs/x.md`, a URL).
        for (const m of line.matchAll(/(?<![\w./-])(?:\.\.\/)*docs\/([\w.-]+\.md)\b/g))
          if (!present.has(`docs/${m[1]}`)) missing.push(`${file}:${i + 1}: docs/${m[1]}`);
        // A project document by its conventional upper-case name (ARCHITECTURE.md, CONTRIBUTING.md), anywhere.
        for (const m of line.matchAll(/(?<![\w./-])([A-Z][A-Z0-9_-]*\.md)\b/g))
          if (!basenames.has(m[1]!)) missing.push(`${file}:${i + 1}: ${m[1]}`);
      });
    }
    expect(missing).toEqual([]);
  });
});

describe('relativeLinks', () => {
  it('finds links, images, references and HTML links, and skips code, URLs and anchors', () => {
    const md = [
      'See [the guide](docs/guide.md#setup "Setup") and ![shot](resources/a%20b.png).',
      '[![badge](img/badge.svg)](docs/ci.md)',
      '[ref]: ../notes/x.md',
      '<img src="resources/icon.png"> <a href="https://example.com/y.md">y</a>',
      'Go to [a section](#set-up) or [the web](https://example.com) or [mail](mailto:a@b.c).',
      '`[not a link](code.md)`',
      '```',
      '[not a link either](fenced.md)',
      '```',
    ].join('\n');
    expect(relativeLinks(md).sort()).toEqual(
      [
        'docs/guide.md#setup',
        'resources/a%20b.png',
        'img/badge.svg',
        'docs/ci.md',
        '../notes/x.md',
        'resources/icon.png',
      ].sort(),
    );
  });

  it('reports a link that leaves the repository or leads nowhere', () => {
    expect(brokenLink('docs/a.md', '../README.md')).toBeNull();
    expect(brokenLink('README.md', 'resources/screenshots/sites.png')).toBeNull();
    expect(brokenLink('README.md', `${OUTSIDE[0]}/ARCHITECTURE.md`)).toBe('points outside the repository');
    expect(brokenLink('docs/a.md', 'missing.md')).toBe('points at nothing');
  });
});
