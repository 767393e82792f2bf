// Drive code-server's workbench in headless chromium for scripts/screenshots.sh, the same way
// editors/vscode/test/run-in-code-server.js runs the test suite: the workbench URL carries a payload
// with extensionDevelopmentPath + extensionTestsPath (scripts/screenshots/vscode), and that module
// logs `DEBUGLENS_SHOT <name>` whenever the workbench shows something to capture. The driver then
// saves <outDir>/<name>.png and writes $DEBUGLENS_SHOTS_SYNC/<name>.done so the module moves on.
// Usage: node vscode-driver.js <baseUrl> <workspaceDir> <extensionDevelopmentPath> <extensionTestsPath> <outDir>
// Env: CHROMIUM, PLAYWRIGHT_CORE (module path), DEBUGLENS_SHOTS_SYNC (dir), DEBUGLENS_SHOTS_TIMEOUT (s),
//      DEBUGLENS_SHOTS_SIZE (WxH, default 1280x800), DEBUG=1 (echo the browser console)
const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const [base, ws, devPath, testsPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: vscode-driver.js <baseUrl> <workspaceDir> <extensionDevelopmentPath> <extensionTestsPath> <outDir>');
  process.exit(2);
}
const sync = process.env.DEBUGLENS_SHOTS_SYNC;
const [width, height] = (process.env.DEBUGLENS_SHOTS_SIZE || '1280x800').split('x').map(Number);

(async () => {
  const host = new URL(base).host;
  const remote = (p) => `vscode-remote://${host}${path.resolve(p)}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(devPath)],
    ['extensionTestsPath', remote(testsPath)],
    ['skipWelcome', 'true'],
  ]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'debuglens-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
    headless: true,
    viewport: { width, height },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const finish = async (code) => {
    await ctx.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  };
  const timeoutS = Number(process.env.DEBUGLENS_SHOTS_TIMEOUT || 240);
  const timer = setTimeout(() => {
    console.error(`TIMEOUT: the screenshots were not done within ${timeoutS} s`);
    void finish(2);
  }, timeoutS * 1000);
  const page = ctx.pages()[0] || (await ctx.newPage());
  const noise = /^(Resolving connection token|Resolved connection token|Creating a socket|\[Service Worker\]|Updating additional builtin extensions cache)/;
  let failed = false;
  await page.exposeFunction('codeAutomationLog', async (type, args) => {
    const line = util.format(...args);
    const m = /^DEBUGLENS_SHOT (\S+)$/.exec(line);
    if (m) {
      const file = path.join(outDir, `${m[1]}.png`);
      try {
        await page.screenshot({ path: file });
        console.log(`screenshot: ${file}`);
      } catch (e) {
        failed = true;
        console.error(`screenshot ${file}: ${e.message}`);
      }
      fs.writeFileSync(path.join(sync, `${m[1]}.done`), '');
      return;
    }
    if (process.env.DEBUG || !noise.test(line)) console.log(line);
  });
  await page.exposeFunction('codeAutomationExit', async (code) => {
    clearTimeout(timer);
    console.error(`extension host run exited with ${code}`);
    await finish(code || (failed ? 1 : 0));
  });
  if (process.env.DEBUG) page.on('console', (m) => console.error('[browser]', m.text().slice(0, 500)));
  await page.goto(`${base}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
