// The `debuglens` settings the server understands, read from VS Code's configuration.
//
// Only the settings the user has actually set (user, workspace or folder settings) are sent: the
// server layers the client's settings over each workspace's `debuglens.toml`, so sending VS Code's
// defaults would silently override a project's file. Client-only keys (server.*, trace.*) are
// never sent: the server reports unknown keys.
import * as vscode from 'vscode';

/** Server setting keys, relative to `debuglens.`; dotted ones are sent nested (`llm: {endpoint}`). */
export const SERVER_KEYS = [
  'debounceMs',
  'maxFileBytes',
  'pathMappings',
  'exclude',
  'disabledRules',
  'reportSequentialByDesign',
  'remoteCalls',
  'batchLimit',
  'assumedCallLatencyMs',
  'plansFolder',
  'llm.endpoint',
  'llm.model',
  'llm.apiKeyEnv',
] as const;

/** Settings whose change needs a new server process rather than didChangeConfiguration. */
export const RESTART_KEYS = ['debuglens.server.path', 'debuglens.server.extraArgs'];

export type ServerSettings = Record<string, unknown>;

function folderOf(scope?: vscode.ConfigurationScope): vscode.WorkspaceFolder | undefined {
  if (scope instanceof vscode.Uri) return vscode.workspace.getWorkspaceFolder(scope);
  if (scope && typeof scope === 'object' && 'uri' in scope && scope.uri instanceof vscode.Uri) {
    return vscode.workspace.getWorkspaceFolder(scope.uri);
  }
  return vscode.workspace.workspaceFolders?.[0];
}

function substituteVariables(value: string, scope?: vscode.ConfigurationScope): string {
  const folder = folderOf(scope);
  return folder ? value.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath) : value;
}

function isSet(c: vscode.WorkspaceConfiguration, key: string): boolean {
  const i = c.inspect(key);
  if (!i) return false;
  return [
    i.globalValue,
    i.workspaceValue,
    i.workspaceFolderValue,
    i.globalLanguageValue,
    i.workspaceLanguageValue,
    i.workspaceFolderLanguageValue,
  ].some((v) => v !== undefined);
}

function normalize(key: string, value: unknown, scope?: vscode.ConfigurationScope): unknown {
  if (key === 'llm.endpoint') return typeof value === 'string' && value.trim() ? value.trim() : null;
  if (key === 'pathMappings' && Array.isArray(value)) {
    return value.map((m: { from?: unknown; to?: unknown }) => ({
      ...m,
      to: typeof m.to === 'string' ? substituteVariables(m.to, scope) : m.to,
    }));
  }
  return value;
}

/** The server settings the user has set, as the nested `debuglens` section object. */
export function serverSettings(scope?: vscode.ConfigurationScope): ServerSettings {
  const c = vscode.workspace.getConfiguration('debuglens', scope);
  const out: ServerSettings = {};
  for (const key of SERVER_KEYS) {
    if (!isSet(c, key)) continue;
    const value = normalize(key, c.get(key), scope);
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as ServerSettings;
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/** Answer a workspace/configuration item: the whole `debuglens` section or one key inside it. */
export function configurationItem(section: string | undefined, scope?: vscode.ConfigurationScope): unknown {
  const all = serverSettings(scope);
  if (!section || section === 'debuglens') return all;
  if (!section.startsWith('debuglens.')) return vscode.workspace.getConfiguration(undefined, scope).get(section) ?? null;
  let value: unknown = all;
  for (const part of section.slice('debuglens.'.length).split('.')) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value ?? null;
}
