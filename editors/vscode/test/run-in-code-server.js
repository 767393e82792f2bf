// Run the extension's mocha suite (extensionTestsPath) inside code-server's extension host, the way
// VS Code's own test/integration/browser does: the workbench URL carries a `payload` with
// extensionDevelopmentPath/extensionTestsPath, and the page calls window.codeAutomationExit(code).
// Usage: node run-in-code-server.js <baseUrl> <workspaceDir> <extensionDevelopmentPath> <extensionTestsPath>
// Env: CHROMIUM (browser binary), DEBUGLENS_VSCODE_TIMEOUT (s, default 300), DEBUG=1 (browser console),
//      DEBUGLENS_VSCODE_SCREENSHOT=file.png (the workbench at the end of the run).
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');

const [base, ws, devPath, testsPath] = process.argv.slice(2);
if (!testsPath) {
  console.error('usage: run-in-code-server.js <baseUrl> <workspaceDir> <extensionDevelopmentPath> <extensionTestsPath>');
  process.exit(2);
}

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
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const finish = async (code) => {
    await ctx.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  };
  const timeoutS = Number(process.env.DEBUGLENS_VSCODE_TIMEOUT || 300);
  const timer = setTimeout(() => {
    console.error(`TIMEOUT: the suite did not finish within ${timeoutS} s`);
    void finish(2);
  }, timeoutS * 1000);
  const page = ctx.pages()[0] || (await ctx.newPage());
  // The workbench logs its connection chatter here too; keep the suite's output readable (DEBUG=1 keeps all).
  const noise = /^(Resolving connection token|Resolved connection token|Creating a socket|\[Service Worker\]|Updating additional builtin extensions cache)/;
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = util.format(...args);
    if (process.env.DEBUG || !noise.test(line)) console.log(line);
  });
  await page.exposeFunction('codeAutomationExit', async (code) => {
    clearTimeout(timer);
    const shot = process.env.DEBUGLENS_VSCODE_SCREENSHOT; // the workbench as the suite left it
    if (shot) {
      await page.waitForTimeout(2000); // let webviews (markdown preview) finish rendering
      await page.screenshot({ path: shot }).catch((e) => console.error(`screenshot: ${e.message}`));
    }
    console.error(`extension host test run exited with ${code}`);
    await finish(code);
  });
  if (process.env.DEBUG) page.on('console', (m) => console.error('[browser]', m.text().slice(0, 500)));
  await page.goto(`${base}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
