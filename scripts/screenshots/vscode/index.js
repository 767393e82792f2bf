// extensionTestsPath (this folder) for scripts/screenshots.sh: runs inside code-server's extension host and
// puts the workbench in each state to capture, then asks the driver (vscode-driver.js) for a
// screenshot by logging `DEBUGLENS_SHOT <name>` and waits for $DEBUGLENS_SHOTS_SYNC/<name>.done.
// Not a test: it fails only when the state cannot be reached (no diagnostic, no hover).
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'debuglens.debuglens';
const RUNNING = 2; // vscode-languageclient State.Running

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(100);
  }
}

const root = () => vscode.workspace.workspaceFolders[0].uri;
const wsFile = (rel) => vscode.Uri.joinPath(root(), ...rel.split('/'));
const codeOf = (d) => (d.code && typeof d.code === 'object' ? d.code.value : d.code);

async function open(rel) {
  const doc = await vscode.workspace.openTextDocument(wsFile(rel));
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  return { doc, editor };
}

async function shot(name) {
  const done = path.join(process.env.DEBUGLENS_SHOTS_SYNC, `${name}.done`);
  console.log(`DEBUGLENS_SHOT ${name}`);
  await waitFor(`the screenshot ${name}`, () => fs.existsSync(done), 60000);
}

async function hoverText(uri, position) {
  const hovers = (await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, position)) || [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

/** Put the cursor at `pos`, focus the editor and show the hover there (as Ctrl+K Ctrl+I does). */
async function showHoverAt(editor, pos, revealType) {
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), revealType);
  await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
  await sleep(500);
  await vscode.commands.executeCommand('editor.action.showHover');
  await sleep(2000); // the hover widget renders (markdown, syntax highlighting)
}

async function diagnosticShot() {
  const { doc, editor } = await open('handlers/checkout.py');
  const diag = await waitFor('a loop-remote-call diagnostic from debuglens', () =>
    vscode.languages.getDiagnostics(doc.uri).find((d) => d.source === 'debuglens' && codeOf(d) === 'loop-remote-call'),
  );
  console.log(`diagnostic line ${diag.range.start.line + 1}: ${diag.message}`);
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  await sleep(1000);
  const line = doc.lineAt(diag.range.start.line).text;
  const col = line.indexOf('validate_inventory');
  const pos = new vscode.Position(diag.range.start.line, col >= 0 ? col + 4 : diag.range.start.character);
  await showHoverAt(editor, pos, vscode.TextEditorRevealType.InCenter);
  await shot('vscode-diagnostic');
}

async function traceHoverShot() {
  await vscode.commands.executeCommand('workbench.action.closePanel');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const { doc, editor } = await open('notes/incident.md');
  let line = -1;
  let character = 0;
  for (let i = 0; i < doc.lineCount; i++) {
    const c = doc.lineAt(i).text.indexOf('File "/app/clients/inventory.py"');
    if (c >= 0) { line = i; character = c + 10; break; }
  }
  if (line < 0) throw new Error('notes/incident.md has no clients/inventory.py frame');
  const pos = new vscode.Position(line, character);
  // the server answers with the source line once it has read the workspace
  const text = await waitFor('a debuglens hover on the frame', async () => {
    const t = await hoverText(doc.uri, pos);
    return /line 45|inventory\.py/.test(t) && t;
  });
  console.log(`hover: ${text.split('\n').slice(0, 3).join(' | ')}`);
  // the frame near the top of the editor, so the hover opens below it with room for the whole widget
  editor.revealRange(new vscode.Range(Math.max(0, line - 9), 0, Math.max(0, line - 9), 0), vscode.TextEditorRevealType.AtTop);
  await sleep(300);
  await showHoverAt(editor, pos, vscode.TextEditorRevealType.Default);
  await shot('vscode-trace-hover');
}

exports.run = async function run() {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  await waitFor('the language client to run', () => api.client() && api.client().state === RUNNING);
  const only = (process.env.DEBUGLENS_SHOTS_ONLY || '').split(/[ ,]+/).filter(Boolean);
  const want = (name) => !only.length || only.includes(name);
  if (want('vscode-diagnostic')) await diagnosticShot();
  if (want('vscode-trace-hover')) await traceHoverShot();
};
