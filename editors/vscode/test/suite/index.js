// extensionTestsPath entry: VS Code calls run() inside the extension host. Same contract as
// @vscode/test-electron, so this suite also runs there (where VS Code can be downloaded) unchanged.
//   DEBUGLENS_VSCODE_GREP=<regexp>   run only tests whose full title matches (mocha `grep`)
//   DEBUGLENS_VSCODE_INVERT=1        run the tests that do NOT match instead
const path = require('path');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 45000, reporter: 'spec' });
  if (process.env.DEBUGLENS_VSCODE_GREP) {
    mocha.grep(new RegExp(process.env.DEBUGLENS_VSCODE_GREP));
    if (process.env.DEBUGLENS_VSCODE_INVERT) mocha.invert();
  }
  mocha.addFile(path.resolve(__dirname, 'extension.test.js'));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const { passes = 0, pending = 0 } = runner.stats || {};
      // The plain closing line CI reads: "N passed, N failed".
      console.log(`vscode: ${passes} passed, ${failures} failed` + (pending ? `, ${pending} skipped` : ''));
      if (failures) reject(new Error(`${failures} tests failed`));
      else if (!passes) reject(new Error('no test ran (check DEBUGLENS_VSCODE_GREP)'));
      else resolve();
    });
  });
};
