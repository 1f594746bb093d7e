/**
 * The commands the documents show (README.md and docs/*.md), read from the documents themselves so
 * that a test runs them literally: every line of their ```sh blocks (a command may continue over
 * lines with `\` or an open quote) with the `# ...` output comment under it, and the `curl`, `npm`
 * and `npx` commands written as inline code in the prose.
 */
import fs from 'node:fs';
import path from 'node:path';

export const projectRoot = path.resolve(import.meta.dirname, '../..');

/** A command a document shows, and the output comments (`# ...`) under it, if any. */
export interface DocCommand {
  command: string;
  expected: string[];
}

/**
 * The text of a section of a document: from its heading line (e.g. `## Running locally`) to the
 * next heading of the same or a higher level; `''` is the part before the first `## ` heading, and
 * a `# ` heading is the whole document.
 */
export function docSection(file: string, heading: string): string {
  const text = fs.readFileSync(path.join(projectRoot, file), 'utf8');
  if (heading === '') {
    const first = text.search(/^## /m);
    return first < 0 ? text : text.slice(0, first);
  }
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === heading);
  if (start < 0) throw new Error(`${file}: section ${heading} not found`);
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  let inFence = false;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('```')) inFence = !inFence;
    const m = inFence ? null : /^(#+) /.exec(line);
    if (m && (m[1] as string).length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}

/** Every shell command in the sh blocks and inline code of a section of a document, in order. */
export function docCommands(file: string, heading: string): DocCommand[] {
  const out: DocCommand[] = [];
  const pieces = docSection(file, heading).split(/```sh\n([\s\S]*?)```/);
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) {
      for (const m of piece.matchAll(/`((?:curl|npm|npx) [^`]+)`/g))
        out.push({ command: m[1] as string, expected: [] });
      return;
    }
    out.push(...shBlockCommands(piece));
  });
  return out;
}

/** The commands of one sh block (its text between the fences). */
export function shBlockCommands(block: string): DocCommand[] {
  const out: DocCommand[] = [];
  let current = '';
  for (const line of block.split('\n')) {
    if (current === '' && line.trim() === '') continue;
    if (current === '' && line.trimStart().startsWith('#')) {
      out[out.length - 1]?.expected.push(line.trimStart().replace(/^#\s?/, ''));
      continue;
    }
    current += (current ? '\n' : '') + line;
    const quotes = (current.match(/'/g) ?? []).length;
    if (!line.endsWith('\\') && quotes % 2 === 0) {
      // an inline comment after a complete command is its description
      const [command, comment] = current.split(/\s+#\s+(?=[^']*$)/);
      out.push({ command: (command as string).trim(), expected: comment ? [comment] : [] });
      current = '';
    }
  }
  return out;
}

/** Every sh block of a document, with the heading of the section it is in (`''` before the first `## `). */
export function shBlocks(file: string): { heading: string; commands: DocCommand[] }[] {
  const lines = fs.readFileSync(path.join(projectRoot, file), 'utf8').split('\n');
  const out: { heading: string; commands: DocCommand[] }[] = [];
  const headings: string[] = [];
  let block: string[] | undefined;
  let otherFence = false;
  for (const line of lines) {
    if (otherFence) {
      if (/^\s*```/.test(line)) otherFence = false;
      continue;
    }
    if (block) {
      if (line.trimStart().startsWith('```')) {
        out.push({
          heading: headings.join('\n'),
          commands: shBlockCommands(block.map((l) => l.replace(/^ {3}/, '')).join('\n')),
        });
        block = undefined;
      } else block.push(line);
      continue;
    }
    if (/^\s*```sh\s*$/.test(line)) {
      block = [];
      continue;
    }
    if (/^\s*```/.test(line)) {
      otherFence = true;
      continue;
    }
    const m = /^(#+) /.exec(line);
    if (m) {
      const level = (m[1] as string).length;
      headings.length = Math.max(0, level - 1);
      headings[level - 1] = line;
    }
  }
  return out;
}
