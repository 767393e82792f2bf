// The debuglens extension in a real VS Code, against the demo workspace examples/checkout (a copy).
// Suites group tests by server capability so a subset can be chosen with DEBUGLENS_VSCODE_GREP,
// e.g. DEBUGLENS_VSCODE_GREP='^(client|stack traces) '.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const EXTENSION_ID = 'debuglens.debuglens';
const RUNNING = 2; // vscode-languageclient State.Running
const INCIDENT = 'notes/incident.md';
const HANDLER = 'handlers/checkout.py';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what, fn, ms = 15000) {
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

async function api() {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

async function runningApi() {
  const a = await api();
  await waitFor('the language client to run', () => a.client() && a.client().state === RUNNING);
  return a;
}

/** Fail fast, with a clear message, when the server does not offer what a test needs. */
async function requireCapability(name) {
  const caps = (await runningApi()).client().initializeResult.capabilities;
  assert.ok(caps[name], `the server does not offer ${name} (capabilities: ${Object.keys(caps).join(', ')})`);
}

async function requireCommand(command) {
  const caps = (await runningApi()).client().initializeResult.capabilities;
  const commands = (caps.executeCommandProvider && caps.executeCommandProvider.commands) || [];
  assert.ok(commands.includes(command), `the server does not advertise ${command} (it offers: ${commands.join(', ')})`);
}

async function open(rel) {
  const doc = await vscode.workspace.openTextDocument(wsFile(rel));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** The workspace-relative file a trace path refers to: the longest suffix of it that exists in the workspace. */
function resolveInWorkspace(tracePath) {
  const parts = tracePath.split(/[\\/]/).filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const rel = parts.slice(i).join('/');
    if (fs.existsSync(path.join(root().fsPath, rel))) return rel;
  }
  return undefined;
}

/** Python traceback frames (`File "...", line N, in f`) in a document that resolve to workspace files. */
function frames(doc) {
  const out = [];
  for (let i = 0; i < doc.lineCount; i++) {
    const text = doc.lineAt(i).text;
    const m = /File "([^"]+)", line (\d+)/.exec(text);
    if (!m) continue;
    const rel = resolveInWorkspace(m[1]);
    if (rel) out.push({ line: i, character: text.indexOf(m[1]) + 1, rel, sourceLine: Number(m[2]) });
  }
  return out;
}

function innermostInventoryFrame(doc) {
  const all = frames(doc);
  assert.ok(all.length, `${INCIDENT} has no traceback frame that resolves to a workspace file`);
  return [...all].reverse().find((f) => f.rel.endsWith('inventory.py')) || all[all.length - 1];
}

function sourceLine(rel, lineNumber) {
  return fs.readFileSync(path.join(root().fsPath, rel), 'utf8').split(/\r?\n/)[lineNumber - 1].trim();
}

async function hoverText(uri, position) {
  const hovers = (await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, position)) || [];
  return hovers
    .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
    .join('\n');
}

const codeOf = (d) => (d.code && typeof d.code === 'object' ? d.code.value : d.code);

async function loopDiagnostic(uri) {
  return waitFor('a loop-remote-call diagnostic from debuglens', () =>
    vscode.languages.getDiagnostics(uri).find((d) => d.source === 'debuglens' && codeOf(d) === 'loop-remote-call'),
  );
}

suite('client', () => {
  test('the client starts and the server initializes', async () => {
    const a = await runningApi();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID).isActive, 'extension is not active');
    const client = a.client();
    assert.ok(client.initializeResult, 'no initialize result');
    assert.ok(client.initializeResult.capabilities, 'server sent no capabilities');
    assert.match(a.server().command, /debuglens/);
  });

  test('only the settings the user set are sent to the server, nested like the server reads them', async () => {
    const a = await runningApi();
    assert.deepStrictEqual(a.settings(), {}, 'a workspace without settings sends none (debuglens.toml stays in force)');
    const config = vscode.workspace.getConfiguration('debuglens');
    await config.update('batchLimit', 7, vscode.ConfigurationTarget.Workspace);
    await config.update('llm.endpoint', '', vscode.ConfigurationTarget.Workspace);
    await config.update('trace.server', 'off', vscode.ConfigurationTarget.Workspace); // client-only: not sent
    try {
      assert.deepStrictEqual(a.settings(), { batchLimit: 7, llm: { endpoint: null } });
    } finally {
      await config.update('batchLimit', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('llm.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('trace.server', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('restarting the server keeps serving hovers', async () => {
    const before = (await runningApi()).client();
    await vscode.commands.executeCommand('debuglens.restartServer');
    const a = await runningApi();
    assert.notStrictEqual(a.client(), before, 'restart did not create a new client');
    await requireCapability('hoverProvider');
    const doc = await open(INCIDENT);
    const frame = innermostInventoryFrame(doc);
    const expected = sourceLine(frame.rel, frame.sourceLine);
    const text = await waitFor('a hover after restart', async () => {
      const t = await hoverText(doc.uri, new vscode.Position(frame.line, frame.character));
      return t.includes(expected) && t;
    });
    assert.ok(text.includes(expected));
  });
});

suite('stack traces', () => {
  test('document links in a pasted traceback point to the workspace files', async () => {
    await requireCapability('documentLinkProvider');
    const doc = await open(INCIDENT);
    const expected = [...new Set(frames(doc).map((f) => f.rel))];
    assert.ok(expected.includes('clients/inventory.py'), `incident frames: ${expected.join(', ')}`);
    const links = await waitFor('document links', async () => {
      const l = await vscode.commands.executeCommand('vscode.executeLinkProvider', doc.uri);
      return l && l.length && l;
    });
    const targets = links.filter((l) => l.target).map((l) => l.target);
    for (const rel of expected) {
      const want = wsFile(rel).path;
      assert.ok(
        targets.some((t) => t.scheme === 'file' && t.path === want),
        `no link to ${rel}; links: ${targets.map((t) => t.toString()).join(', ')}`,
      );
    }
  });

  test('hover on a traceback frame shows the source line of that frame', async () => {
    await requireCapability('hoverProvider');
    const doc = await open(INCIDENT);
    const frame = innermostInventoryFrame(doc);
    const expected = sourceLine(frame.rel, frame.sourceLine);
    assert.ok(expected, `${frame.rel}:${frame.sourceLine} is empty`);
    const text = await waitFor(`a hover containing "${expected}"`, async () => {
      const t = await hoverText(doc.uri, new vscode.Position(frame.line, frame.character));
      return t.includes(expected) && t;
    });
    assert.ok(text.includes(expected));
  });

  test('explain at cursor shows the server markdown in a preview beside the editor', async () => {
    await requireCommand('debuglens.explain');
    const doc = await open(INCIDENT);
    // the traceback's last exception line: the error the request failed with
    const line = [...Array(doc.lineCount).keys()].reverse().find((i) =>
      /^\s*[\w.]*(Error|Exception)\b/.test(doc.lineAt(i).text),
    );
    assert.ok(line !== undefined, `${INCIDENT} has no exception line`);
    const exception = /(\w*(Error|Exception))\b/.exec(doc.lineAt(line).text)[1];
    const at = new vscode.Position(line, doc.lineAt(line).firstNonWhitespaceCharacterIndex);
    let markdown;
    await waitFor(`an explanation mentioning ${exception}`, async () => {
      const editor = await vscode.window.showTextDocument(doc); // (re)ask: the server may still be indexing
      editor.selection = new vscode.Selection(at, at);
      markdown = await vscode.commands.executeCommand('debuglens.explainAtCursor');
      return markdown && markdown.includes(exception);
    }).catch((e) => {
      throw new Error(`${e.message}; last answer: ${markdown}`);
    });
    await waitFor('a markdown preview tab', () =>
      vscode.window.tabGroups.all.some((g) =>
        g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType)),
      ),
    );
    // The explanation document VS Code opened holds the markdown. (Whether the webview rendered it is
    // only visible in DEBUGLENS_VSCODE_SCREENSHOT.)
    await sleep(500);
    const docs = await waitFor('the explanation document', () => {
      const d = vscode.workspace.textDocuments.filter((t) => t.uri.scheme === 'debuglens-explain');
      return d.length && d;
    });
    for (const d of docs) assert.strictEqual(d.getText(), markdown, `${d.uri.toString()} does not hold the explanation`);
  });
  test('open innermost frame shows the innermost workspace frame of the trace', async () => {
    await requireCommand('debuglens.openInnermostFrame');
    const doc = await open(INCIDENT);
    const all = frames(doc);
    const frame = innermostInventoryFrame(doc);
    const want = wsFile(frame.rel).path;
    const arrived = () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.path === want && e.selection.active.line === frame.sourceLine - 1;
    };
    let lastError;
    await waitFor(`${frame.rel}:${frame.sourceLine} in the active editor`, async () => {
      if (arrived()) return true;
      const editor = await vscode.window.showTextDocument(doc); // (re)ask: the server may still be indexing
      const at = new vscode.Position(all[0].line, 0);
      editor.selection = new vscode.Selection(at, at);
      await vscode.commands.executeCommand('debuglens.openInnermostFrameAtCursor').then(undefined, (e) => {
        lastError = e;
      });
      await sleep(300);
      return arrived();
    }).catch((e) => {
      throw new Error(`${e.message}${lastError ? ` (last command error: ${lastError.message})` : ''}`);
    });
  });
});

suite('remote-call loops', () => {
  test('a remote call awaited in a loop gets a loop-remote-call warning', async () => {
    await runningApi();
    const doc = await open(HANDLER);
    const d = await loopDiagnostic(doc.uri);
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(d.source, 'debuglens');
  });

  test('code actions on the loop warning offer a batch rewrite', async () => {
    await requireCapability('codeActionProvider');
    const doc = await open(HANDLER);
    const d = await loopDiagnostic(doc.uri);
    const actions = await waitFor('code actions', async () => {
      const got = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', doc.uri, d.range);
      return got && got.length && got;
    });
    const titles = actions.map((a) => a.title);
    assert.ok(titles.some((t) => t.startsWith('Batch with')), `code actions: ${JSON.stringify(titles)}`);
  });

  test('disabling loop-remote-call in the settings clears the warning', async () => {
    await runningApi();
    const doc = await open(HANDLER);
    await loopDiagnostic(doc.uri);
    const config = vscode.workspace.getConfiguration('debuglens');
    await config.update('disabledRules', ['loop-remote-call'], vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('the loop-remote-call diagnostic to clear after didChangeConfiguration', () =>
        !vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === 'loop-remote-call'),
      );
    } finally {
      await config.update('disabledRules', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await loopDiagnostic(doc.uri); // and it comes back when re-enabled
  });
});
