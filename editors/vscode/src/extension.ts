import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { RESTART_KEYS, configurationItem, serverSettings } from './config';
import { ResolvedServer, ServerNotFoundError, resolveServer } from './server';

/** Languages whose files can hold remote-call loops or pasted stack traces. */
export const CODE_LANGUAGES = [
  'python', 'javascript', 'typescript', 'typescriptreact', 'javascriptreact', 'go', 'rust', 'java', 'kotlin',
  'ruby', 'csharp', 'php',
];
export const TEXT_LANGUAGES = ['plaintext', 'markdown', 'log'];

const CLIENT_ID = 'debuglens'; // must equal the settings prefix so `debuglens.trace.server` works
const EXPLAIN_SCHEME = 'debuglens-explain';

/** What the extension exports, for tests and other extensions. */
export interface DebuglensApi {
  client(): LanguageClient | undefined;
  server(): ResolvedServer | undefined;
  restart(): Promise<void>;
  /** The `debuglens` settings object sent to the server (only what the user has set). */
  settings(): Record<string, unknown>;
  /** Run the server's `debuglens.explain` at a position and show it; resolves to the markdown shown. */
  explainAt(uri: vscode.Uri, position: vscode.Position): Promise<string | undefined>;
}

let client: LanguageClient | undefined;
let resolved: ResolvedServer | undefined;
let output: vscode.OutputChannel;
let extensionPath: string;
const explainDocs = new Map<string, string>();
const explainChanged = new vscode.EventEmitter<vscode.Uri>();

export function documentSelector(): LanguageClientOptions['documentSelector'] {
  // Saved files of the known languages, and any untitled buffer (pasted traces usually land there).
  // Not every scheme: output channels are `log` documents too and must not feed the server its own logs.
  return [
    ...[...CODE_LANGUAGES, ...TEXT_LANGUAGES].map((language) => ({ scheme: 'file', language })),
    { scheme: 'untitled' },
  ];
}

function createClient(server: ResolvedServer): LanguageClient {
  const extraArgs = vscode.workspace.getConfiguration('debuglens').get<string[]>('server.extraArgs', []);
  const run = {
    command: server.command,
    args: ['lsp', ...extraArgs],
    // No `transport`: TransportKind.stdio would append `--stdio` to the argv. Without it the
    // client still speaks over the child's stdin/stdout.
    options: { env: { ...process.env } },
  };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    outputChannel: output,
    traceOutputChannel: output,
    initializationOptions: serverSettings(),
    middleware: {
      workspace: {
        configuration: (params) =>
          params.items.map((item) =>
            configurationItem(item.section, item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined),
          ),
      },
    },
  };
  return new LanguageClient(CLIENT_ID, 'debuglens', serverOptions, clientOptions);
}

async function start(): Promise<void> {
  try {
    resolved = resolveServer(extensionPath);
  } catch (e) {
    resolved = undefined;
    if (!(e instanceof ServerNotFoundError)) throw e;
    output.appendLine(`[debuglens] ${e.message}`);
    void vscode.window.showErrorMessage(e.message, 'Open Settings', 'Show Output').then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'debuglens.server.path');
      if (choice === 'Show Output') output.show(true);
    });
    return;
  }
  output.appendLine(`[debuglens] starting ${resolved.command} lsp (from ${resolved.source})`);
  client = createClient(resolved);
  try {
    await client.start();
  } catch (e) {
    const msg = `debuglens: the server (${resolved.command}) failed to start: ${e instanceof Error ? e.message : String(e)}`;
    output.appendLine(msg);
    void vscode.window.showErrorMessage(msg, 'Show Output').then((c) => c && output.show(true));
  }
}

async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  if (!old) return;
  try {
    if (old.state === State.Running || old.state === State.Starting) await old.stop(5000);
  } catch (e) {
    output.appendLine(`[debuglens] stop: ${e instanceof Error ? e.message : String(e)}`);
  }
  await old.dispose().catch(() => undefined);
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

function runningClient(): LanguageClient | undefined {
  if (client && client.state === State.Running) return client;
  void vscode.window.showWarningMessage('debuglens: the language server is not running.', 'Restart Server').then(
    (c) => c && vscode.commands.executeCommand('debuglens.restartServer'),
  );
  return undefined;
}

/** Execute one of the server's commands with `{uri, position}` for a position in a document. */
async function executeAt(command: string, uri: vscode.Uri, position: vscode.Position): Promise<unknown> {
  const c = runningClient();
  if (!c) return undefined;
  const args = { uri: c.code2ProtocolConverter.asUri(uri), position: c.code2ProtocolConverter.asPosition(position) };
  try {
    return await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] });
  } catch (e) {
    // The server's refusals are meant for the user ("no app frame of this trace is in the workspace").
    void vscode.window.showWarningMessage(`debuglens: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function cursor(): { uri: vscode.Uri; position: vscode.Position } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('debuglens: open a file and put the cursor on a stack trace or a loop.');
    return undefined;
  }
  return { uri: editor.document.uri, position: editor.selection.active };
}

function asMarkdown(result: unknown): string | undefined {
  if (typeof result === 'string') return result;
  if (result && typeof result === 'object') {
    const r = result as Record<string, unknown>;
    for (const key of ['value', 'markdown', 'contents']) if (typeof r[key] === 'string') return r[key] as string;
  }
  return undefined;
}

/** Show markdown in a read-only virtual document, rendered in a preview beside the editor. */
async function showMarkdownToSide(title: string, markdown: string): Promise<vscode.Uri> {
  // Plain characters only: with a `:` in the path ("incident.md:61") VS Code 1.96's markdown preview
  // opened but stayed blank (seen in a screenshot of the test run).
  const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/${title.replace(/[^\w. -]+/g, '-')}.md` });
  explainDocs.set(uri.path, markdown);
  explainChanged.fire(uri);
  await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  return uri;
}

async function explainAt(uri: vscode.Uri, position: vscode.Position): Promise<string | undefined> {
  const markdown = asMarkdown(await executeAt('debuglens.explain', uri, position));
  if (!markdown) {
    void vscode.window.showInformationMessage('debuglens: nothing to explain here. Put the cursor on a stack trace or a flagged loop.');
    return undefined;
  }
  const name = uri.path.split('/').pop() || 'document';
  await showMarkdownToSide(`Explain ${name} L${position.line + 1}`, markdown);
  return markdown;
}

/** Server commands that may answer with markdown, a location, or nothing (having used showDocument/applyEdit). */
async function runServerCommandAtCursor(command: string, title: string): Promise<unknown> {
  const at = cursor();
  if (!at) return undefined;
  const result = await executeAt(command, at.uri, at.position);
  const markdown = asMarkdown(result);
  if (markdown) {
    await showMarkdownToSide(title, markdown);
  } else if (result && typeof result === 'object' && typeof (result as { uri?: unknown }).uri === 'string') {
    const target = vscode.Uri.parse((result as { uri: string }).uri);
    await vscode.window.showTextDocument(target);
  }
  return result;
}

export async function activate(context: vscode.ExtensionContext): Promise<DebuglensApi> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel('debuglens');
  context.subscriptions.push(output, explainChanged);

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
      onDidChange: explainChanged.event,
      provideTextDocumentContent: (uri) => explainDocs.get(uri.path) ?? '',
    }),
    vscode.commands.registerCommand('debuglens.restartServer', restart),
    vscode.commands.registerCommand('debuglens.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('debuglens.explainAtCursor', async () => {
      const at = cursor();
      return at ? explainAt(at.uri, at.position) : undefined;
    }),
    vscode.commands.registerCommand('debuglens.openInnermostFrameAtCursor', () =>
      runServerCommandAtCursor('debuglens.openInnermostFrame', 'Innermost frame'),
    ),
    vscode.commands.registerCommand('debuglens.draftInvestigationPlanAtCursor', () =>
      runServerCommandAtCursor('debuglens.draftInvestigationPlan', 'Investigation plan'),
    ),
    vscode.commands.registerCommand('debuglens.draftIncidentReportAtCursor', () =>
      runServerCommandAtCursor('debuglens.draftIncidentReport', 'Incident report'),
    ),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('debuglens')) return;
      if (RESTART_KEYS.some((k) => e.affectsConfiguration(k))) {
        output.appendLine('[debuglens] server path or arguments changed: restarting');
        await restart();
        return;
      }
      if (client && client.state === State.Running) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { debuglens: serverSettings() },
        });
      }
    }),
    { dispose: () => void stop() },
  );

  await start();

  return {
    client: () => client,
    server: () => resolved,
    restart,
    settings: () => serverSettings(),
    explainAt,
  };
}

export function deactivate(): Thenable<void> | undefined {
  return stop();
}
