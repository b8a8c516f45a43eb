/**
 * Mocha's spec reporter plus one closing line that CI reads: `tests: N passed, N failed`.
 * Pending (skipped) tests are counted too, so a skip never hides.
 */
import Mocha from 'mocha';

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class DariReporter extends Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const skipped = s.pending > 0 ? `, ${s.pending} skipped` : '';
      process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed${skipped}\n`);
    });
  }
}

export = DariReporter;
