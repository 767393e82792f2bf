-- Neovim set-up for scripts/screenshots.sh: run as `nvim -u nvim-shot.lua` inside a tmux pane.
-- Loads editors/neovim the README way (runtimepath + vim.lsp.enable('debuglens')), opens a file of
-- the workspace copy, puts the cursor on the thing to show and opens the float, then writes the
-- file $DEBUGLENS_SHOT_READY (its content: "ok" or an error) so the script can capture the pane.
-- Env:
--   DEBUGLENS_SHOT_MODE    'diagnostic' (handlers/checkout.py + vim.diagnostic.open_float) or
--                          'hover' (notes/incident.md + vim.lsp.buf.hover() on a traceback frame)
--   DEBUGLENS_SHOT_WS      the workspace copy (has a .git folder, so it is its own project root)
--   DEBUGLENS_SHOT_PLUGIN  editors/neovim
--   DEBUGLENS_SHOT_READY   the file to write when the screen is ready
--   DEBUGLENS_SERVER_PATH  the server binary (read by editors/neovim/lsp/debuglens.lua)
local mode = vim.env.DEBUGLENS_SHOT_MODE or 'diagnostic'
local ws = assert(vim.env.DEBUGLENS_SHOT_WS, 'DEBUGLENS_SHOT_WS is not set')
local ready = assert(vim.env.DEBUGLENS_SHOT_READY, 'DEBUGLENS_SHOT_READY is not set')

for _, p in ipairs({ 'python3', 'ruby', 'node', 'perl' }) do vim.g['loaded_' .. p .. '_provider'] = 0 end
vim.o.termguicolors = true
vim.o.background = 'dark'
vim.o.number = true
vim.o.signcolumn = 'yes'
vim.o.cursorline = true
vim.o.showmode = false
vim.o.shortmess = vim.o.shortmess .. 'IFW'
vim.o.swapfile = false
vim.o.laststatus = 2
vim.cmd.colorscheme('default')

vim.opt.runtimepath:prepend(assert(vim.env.DEBUGLENS_SHOT_PLUGIN, 'DEBUGLENS_SHOT_PLUGIN is not set'))
vim.lsp.enable('debuglens')
vim.diagnostic.config({
  virtual_text = { prefix = '●' },
  underline = true,
  signs = true,
  float = { border = 'rounded', source = true, header = '' },
})

local function finish(status)
  vim.cmd('redraw!')
  -- let the terminal (tmux) receive the last redraw before the capture
  vim.defer_fn(function() vim.fn.writefile({ status }, ready) end, 400)
end

--- Poll `cond` every 100 ms (without blocking the UI) until it returns a value, then call `k` with it.
local function poll(what, cond, k, ms)
  local deadline = vim.uv.now() + (ms or 20000)
  local function step()
    local ok, v = pcall(cond)
    if ok and v then return k(v) end
    if vim.uv.now() > deadline then return finish('timed out waiting for ' .. what) end
    vim.defer_fn(step, 100)
  end
  step()
end

local function client_for(buf)
  local c = vim.lsp.get_clients({ bufnr = buf, name = 'debuglens' })[1]
  return c and c.initialized and c or nil
end

local function float_open()
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then return w end
  end
end

--- Finish once a float has been open for a moment: CursorMoved, which closes LSP and diagnostic
--- floats, fires from the main loop after a cursor move, so a float opened too early can vanish.
local function finish_with_float(open_it)
  open_it()
  poll('a floating window', float_open, function()
    vim.defer_fn(function()
      if float_open() then return finish('ok') end
      open_it()
      poll('a floating window (again)', float_open, function() finish('ok') end, 5000)
    end, 500)
  end, 5000)
end

local function diagnostic_shot()
  vim.cmd.cd(ws)
  vim.cmd.edit('handlers/checkout.py')
  local buf = vim.api.nvim_get_current_buf()
  poll('a loop-remote-call diagnostic', function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'loop-remote-call' then return d end
    end
  end, function(d)
    local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1] or ''
    local col = line:find('validate_inventory', 1, true)
    vim.api.nvim_win_set_cursor(0, { d.lnum + 1, col and col - 1 or d.col })
    vim.cmd('normal! zz')
    vim.defer_fn(function()
      finish_with_float(function() vim.diagnostic.open_float({ scope = 'line' }) end)
    end, 300)
  end)
end

local function hover_shot()
  vim.cmd.cd(ws)
  vim.cmd.edit('notes/incident.md')
  local buf = vim.api.nvim_get_current_buf()
  local row, col
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s = line:find('File "/app/clients/inventory.py"', 1, true)
    if s then row, col = i, s + 6 break end
  end
  if not row then return finish('no clients/inventory.py frame in notes/incident.md') end
  poll('debuglens to attach', function() return client_for(buf) end, function()
    vim.api.nvim_win_set_cursor(0, { row, col })
    vim.cmd('normal! zt')
    vim.cmd('normal! 6\25') -- a few lines of the trace above the frame: CTRL-Y
    vim.cmd('redraw')
    local function try_hover()
      finish_with_float(function() vim.lsp.buf.hover({ border = 'rounded', max_width = 110 }) end)
    end
    -- the server may still be indexing the workspace: make sure it answers with the source line first
    local params = vim.lsp.util.make_position_params(0, client_for(buf).offset_encoding)
    poll('a hover answer', function()
      local res = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 1000) or {}
      for _, r in pairs(res) do
        if r.result and r.result.contents then return true end
      end
    end, try_hover)
  end)
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    vim.schedule(mode == 'hover' and hover_shot or diagnostic_shot)
  end,
})
