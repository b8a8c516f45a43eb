/** The README's Quick start must keep working: every `npm ...` command it shows is a script that exists. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './support/paths';

describe('README quick start', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };

  it('every `npm start|test|run X` it shows is a package.json script', () => {
    const builtins = new Set(['ci', 'install']);
    const used = new Set<string>();
    // Commands live in code: fenced blocks and inline code spans (the prose also says "on npm as ...").
    const code = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g), ...readme.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? '').join('\n');
    for (const m of code.matchAll(/\bnpm (run )?([a-z][a-z-]*)/g)) if (!builtins.has(m[2] as string) && m[2] !== 'view') used.add(m[2] as string);
    assert.ok(used.has('start') && used.has('test'), 'the quick start shows npm start and npm test');
    for (const s of used) assert.ok(s in pkg.scripts, `README uses "npm ${s}" but package.json has no such script`);
    assert.equal(pkg.scripts.start, 'node bin/dari.js start');
  });

  it('the dari command is declared as a bin', () => {
    assert.equal(pkg.bin.dari, 'bin/dari.js');
  });
});
