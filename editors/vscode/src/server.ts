// Where the debuglens binary comes from, in the order rust-analyzer and typos-lsp use:
// setting (machine-overridable) → DEBUGLENS_SERVER_PATH → bundled bin/ → PATH.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export type ServerSource = 'setting' | 'env' | 'bundled' | 'path';

export interface ResolvedServer {
  command: string;
  source: ServerSource;
}

export class ServerNotFoundError extends Error {}

const exe = process.platform === 'win32' ? 'debuglens.exe' : 'debuglens';

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** Resolve a relative setting against the first workspace folder, as users expect from `./target/debug/debuglens`. */
function absolutize(p: string): string {
  const expanded = expandHome(p.trim());
  if (path.isAbsolute(expanded)) return expanded;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, expanded) : path.resolve(expanded);
}

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name.endsWith(ext) ? name : name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export function resolveServer(extensionPath: string): ResolvedServer {
  const configured = vscode.workspace.getConfiguration('debuglens').get<string | null>('server.path');
  if (configured && configured.trim()) {
    const command = absolutize(configured);
    if (!isExecutable(command)) {
      throw new ServerNotFoundError(
        `debuglens.server.path is set to "${configured}", but ${command} is not an executable file. ` +
          'Fix the path in your user settings, or clear it to use DEBUGLENS_SERVER_PATH, the bundled binary or PATH.',
      );
    }
    return { command, source: 'setting' };
  }

  const fromEnv = process.env.DEBUGLENS_SERVER_PATH;
  if (fromEnv && fromEnv.trim()) {
    const command = absolutize(fromEnv);
    if (!isExecutable(command)) {
      throw new ServerNotFoundError(
        `DEBUGLENS_SERVER_PATH is set to "${fromEnv}", but that is not an executable file. ` +
          'Point it at a built server (cargo build, then target/debug/debuglens) or unset it.',
      );
    }
    return { command, source: 'env' };
  }

  const bundled = path.join(extensionPath, 'bin', exe);
  if (isExecutable(bundled)) return { command: bundled, source: 'bundled' };

  const onPath = findOnPath('debuglens');
  if (onPath) return { command: onPath, source: 'path' };

  throw new ServerNotFoundError(
    'The debuglens language server was not found. Install it with `cargo install --path .` from the debuglens ' +
      'repository (so `debuglens` is on PATH), or set "debuglens.server.path" in your user settings ' +
      '(or the DEBUGLENS_SERVER_PATH environment variable) to the binary, then run "debuglens: Restart Server".',
  );
}
