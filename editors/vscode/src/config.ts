// The `debuglens` settings the server understands, read from VS Code's configuration.
// Client-only keys (server.*, trace.*) are never sent: the server should not have to know them.
import * as vscode from 'vscode';

export interface PathMapping {
  from: string;
  to: string;
}

export interface RemoteCallPattern {
  language: string;
  pattern: string;
  kind: string;
}

export interface ServerSettings {
  debounceMs: number;
  maxFileBytes: number;
  pathMappings: PathMapping[];
  exclude: string[];
  disabledRules: string[];
  reportSequentialByDesign: boolean;
  remoteCalls: RemoteCallPattern[];
  batchLimit: number;
  assumedCallLatencyMs: number;
  plansFolder: string;
  llm: { endpoint: string | null; model: string; apiKeyEnv: string };
}

/** Settings whose change needs a new server process rather than didChangeConfiguration. */
export const RESTART_KEYS = ['debuglens.server.path', 'debuglens.server.extraArgs'];

function substituteVariables(value: string, scope?: vscode.ConfigurationScope): string {
  const folder =
    scope instanceof vscode.Uri ? vscode.workspace.getWorkspaceFolder(scope) : vscode.workspace.workspaceFolders?.[0];
  return value.replace(/\$\{workspaceFolder\}/g, folder ? folder.uri.fsPath : '${workspaceFolder}');
}

export function serverSettings(scope?: vscode.ConfigurationScope): ServerSettings {
  const c = vscode.workspace.getConfiguration('debuglens', scope);
  const mappings = c.get<PathMapping[]>('pathMappings', []).map((m) => ({
    from: m.from,
    to: substituteVariables(m.to, scope),
  }));
  return {
    debounceMs: c.get<number>('debounceMs', 200),
    maxFileBytes: c.get<number>('maxFileBytes', 2_000_000),
    pathMappings: mappings,
    exclude: c.get<string[]>('exclude', []),
    disabledRules: c.get<string[]>('disabledRules', []),
    reportSequentialByDesign: c.get<boolean>('reportSequentialByDesign', true),
    remoteCalls: c.get<RemoteCallPattern[]>('remoteCalls', []),
    batchLimit: c.get<number>('batchLimit', 50),
    assumedCallLatencyMs: c.get<number>('assumedCallLatencyMs', 200),
    plansFolder: c.get<string>('plansFolder', 'debugging'),
    llm: {
      endpoint: c.get<string | null>('llm.endpoint', null) || null,
      model: c.get<string>('llm.model', ''),
      apiKeyEnv: c.get<string>('llm.apiKeyEnv', 'OPENAI_API_KEY'),
    },
  };
}

/** Answer a workspace/configuration item: the whole `debuglens` section or one key inside it. */
export function configurationItem(section: string | undefined, scope?: vscode.ConfigurationScope): unknown {
  const all = serverSettings(scope) as unknown as Record<string, unknown>;
  if (!section || section === 'debuglens') return all;
  if (!section.startsWith('debuglens.')) return vscode.workspace.getConfiguration(undefined, scope).get(section) ?? null;
  let value: unknown = all;
  for (const part of section.slice('debuglens.'.length).split('.')) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value ?? null;
}
