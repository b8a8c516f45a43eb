/**
 * Every `dari` command group answers help the same way, as a user at 3 a.m. would try it:
 * `-h`, `--help` and `help` print its usage on stdout and exit 0; no subcommand prints the usage on
 * stderr and exits 2; an unknown subcommand is one DARI_CLI_USAGE line naming the known ones, exit 2.
 */
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { run } from '../../src/cli/main';
import type { Io } from '../../src/cli/io';

async function dari(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdin: Readable.from([]), out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await run(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Each group and the subcommands its usage must name. */
const GROUPS: Record<string, string[]> = {
  iso8583: ['decode', 'encode', 'specs'],
  iso20022: ['validate', 'decode'],
  qr: ['parse', 'build'],
  emv: ['mk', 'sk', 'arqc', 'arpc'],
  pin: ['encode', 'decode', 'translate'],
  keys: ['generate', 'import', 'export', 'kcv', 'list'],
  fx: ['rates', 'quote'],
  report: ['fees'],
  sim: ['partner', 'acquirer'],
  demo: ['trustone', 'qr'],
};

describe('dari: help and unknown subcommands, the same for every command group', () => {
  for (const [group, subs] of Object.entries(GROUPS)) {
    it(`dari ${group}`, async () => {
      for (const h of ['-h', '--help', 'help']) {
        const r = await dari([group, h]);
        assert.equal(r.code, 0, `dari ${group} ${h}: ${r.err}`);
        assert.equal(r.err, '', `dari ${group} ${h} writes nothing on stderr`);
        for (const s of subs) assert.match(r.out, new RegExp(`dari ${group} (\\S+\\|)*${s}\\b`), `dari ${group} ${h} names ${s}`);
      }
      const bare = await dari([group]);
      assert.equal(bare.code, 2, `dari ${group} alone`);
      assert.equal(bare.out, '', `dari ${group} alone writes its usage on stderr`);
      for (const s of subs) assert.match(bare.err, new RegExp(`dari ${group} (\\S+\\|)*${s}\\b`));
      const unknown = await dari([group, 'nope']);
      assert.equal(unknown.code, 2);
      assert.equal(unknown.out, '');
      assert.equal(unknown.err, `DARI_CLI_USAGE: unknown ${group} command "nope" (${subs.join(', ')}; see dari ${group} --help)`);
    });
  }

  it('a card number typed where a command belongs is masked in the error', async () => {
    // 4761739001010119: the public EMV test PAN (Luhn-valid).
    const r = await dari(['pin', '4761739001010119']);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'DARI_CLI_USAGE: unknown pin command "476173******0119" (encode, decode, translate; see dari pin --help)');
    assert.equal((await dari(['4761739001010119'])).err, 'DARI_CLI_USAGE: unknown command "476173******0119" (try dari --help)');
    // Not a PAN: a Luhn-invalid run and epoch milliseconds stay as typed.
    assert.match((await dari(['pin', '4761739001010118'])).err, /"4761739001010118"/);
    assert.match((await dari(['pin', '1764115200000'])).err, /"1764115200000"/);
  });

  it('dari itself: the same rules', async () => {
    assert.equal((await dari(['--help'])).code, 0);
    assert.equal((await dari(['-h'])).code, 0);
    assert.equal((await dari(['help'])).code, 0);
    const bare = await dari([]);
    assert.equal(bare.code, 2);
    assert.match(bare.err, /^dari: cross-border payment hub/);
    const unknown = await dari(['nope']);
    assert.equal(unknown.err, 'DARI_CLI_USAGE: unknown command "nope" (try dari --help)');
  });
});
