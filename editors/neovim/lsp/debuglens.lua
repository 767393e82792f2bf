-- Native LSP config for Neovim >= 0.11: found on 'runtimepath' as lsp/debuglens.lua and started by
--   vim.lsp.enable('debuglens')
-- Override any field with vim.lsp.config('debuglens', {...}) or require('debuglens').setup({...}).
--
-- The server binary: vim.g.debuglens_cmd (a path string or a full argv list), else
-- $DEBUGLENS_SERVER_PATH, else `debuglens` on PATH.
local function default_cmd()
  local cmd = vim.g.debuglens_cmd
  if type(cmd) == 'table' then return cmd end
  if type(cmd) == 'string' and cmd ~= '' then return { cmd, 'lsp' } end
  local env = vim.env.DEBUGLENS_SERVER_PATH
  if env and env ~= '' then return { env, 'lsp' } end
  return { 'debuglens', 'lsp' }
end

return {
  cmd = default_cmd(),
  -- Code where remote-call loops live, and text where stack traces get pasted.
  filetypes = {
    'python', 'javascript', 'typescript', 'typescriptreact', 'javascriptreact', 'go', 'rust', 'java',
    'kotlin', 'ruby', 'cs', 'php',
    'text', 'markdown', 'log',
  },
  root_markers = { 'debuglens.toml', '.git' },
  -- Server settings (section `debuglens`); empty means the server's defaults. setup() fills both.
  init_options = {},
  settings = { debuglens = vim.empty_dict() },
}
