-- :checkhealth debuglens
local M = {}

function M.check()
  local h = vim.health
  h.start('debuglens')
  if vim.fn.has('nvim-0.11') == 1 then
    h.ok('Neovim ' .. tostring(vim.version()))
  else
    h.error('Neovim >= 0.11 is required (vim.lsp.config / vim.lsp.enable)')
  end

  local cfg = vim.lsp.config.debuglens
  local cmd = cfg and cfg.cmd
  if type(cmd) ~= 'table' then
    h.error('no debuglens LSP config: is editors/neovim on runtimepath?')
  else
    local exe = vim.fn.exepath(cmd[1])
    if exe ~= '' then
      h.ok(('server: %s (cmd %s)'):format(exe, table.concat(cmd, ' ')))
    else
      h.error(('server binary %q not found'):format(cmd[1]), {
        'cargo install --path . in the debuglens repository (puts `debuglens` on PATH)',
        "or set vim.g.debuglens_cmd = '/path/to/debuglens', or $DEBUGLENS_SERVER_PATH",
      })
    end
  end

  if vim.lsp.is_enabled and not vim.lsp.is_enabled('debuglens') then
    h.warn("not enabled: add vim.lsp.enable('debuglens') or require('debuglens').setup()")
  end
  local clients = vim.lsp.get_clients({ name = 'debuglens' })
  if #clients == 0 then
    h.info('no running debuglens client (it starts on a ' .. table.concat((cfg or {}).filetypes or {}, '/') .. ' buffer)')
  end
  for _, c in ipairs(clients) do
    h.ok(('client %d running, root %s, %d buffer(s)'):format(c.id, tostring(c.root_dir), vim.tbl_count(c.attached_buffers)))
  end
end

return M
