/**
 * Post-compile step: marks every `throw` in the compiled .js files under lib/ so that Node prints an uncaught error starting with
 * its message instead of the library's throw line.
 *
 * Why: for an uncaught error Node prints the source line of the throw site above the message
 * (`.../lib/private/boundary.js:87` / `throw ...` / `^`), which points a user at a file of this package
 * instead of at their own call. Node leaves that line out when it contains `node-do-not-add-exception-line`
 * (node src/node_errors.cc GetErrorSource; Node's own lib/internal/vm.js and modules/cjs/loader.js use it).
 * The stacks themselves already start at the user's frame (src/private/errors.ts `invalid`).
 *
 * The marker goes right after the `throw` keyword as a block comment: always valid between two tokens, and
 * it leaves every line number (stack traces, the inline source maps) as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export const MARKER = '/* node-do-not-add-exception-line */';

/** The compiled file with the marker after every `throw` keyword that does not carry it yet. */
export function markThrowSites(fileName: string, text: string): string {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const inserts: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isThrowStatement(node)) {
      const afterKeyword = node.getStart(source) + 'throw'.length;
      if (!text.slice(afterKeyword).trimStart().startsWith(MARKER)) inserts.push(afterKeyword);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = text;
  for (const at of inserts.sort((a, b) => b - a)) out = `${out.slice(0, at)} ${MARKER}${out.slice(at)}`;
  return out;
}

function main(dir: string): void {
  let files = 0;
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.js')) {
        const text = fs.readFileSync(full, 'utf-8');
        const marked = markThrowSites(full, text);
        if (marked !== text) {
          fs.writeFileSync(full, marked);
          files++;
        }
      }
    }
  };
  walk(dir);
  console.log(`mark-throw-sites: marked throw sites in ${files} files under ${path.relative(process.cwd(), dir) || dir}`);
}

if (require.main === module) {
  main(path.resolve(__dirname, '..', 'lib'));
}
