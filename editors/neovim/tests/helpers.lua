-- Shared set-up for the headless Neovim tests (not a test itself).
-- Each test: nvim --clean --headless -l editors/neovim/tests/<name>.lua  (exit code = verdict)
-- Env: DEBUGLENS_SERVER_PATH = absolute path of the server binary (scripts/test-neovim.sh sets it).
local H = {}

H.plugin = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h') -- editors/neovim
H.repo = vim.fn.fnamemodify(H.plugin, ':h:h')
H.timeout = tonumber(vim.env.DEBUGLENS_NVIM_WAIT_MS or '') or 10000

function H.say(msg) io.stdout:write(msg .. '\n') end -- print() goes to stderr under `nvim -l`

function H.fail(msg)
  io.stderr:write('FAIL: ' .. msg .. '\n')
  local log = vim.lsp.log.get_filename()
  if vim.uv.fs_stat(log) then
    local lines = vim.fn.readfile(log)
    io.stderr:write(('--- LSP log %s (last 40 lines) ---\n'):format(log))
    for i = math.max(1, #lines - 39), #lines do io.stderr:write(lines[i]:sub(1, 400) .. '\n') end
  end
  os.exit(1)
end

local function timed_out(what)
  H.fail('timed out waiting for ' .. (type(what) == 'function' and what() or what))
end

--- Wait for a cheap condition (no requests inside: vim.wait must not nest).
function H.wait(what, cond, ms)
  if not vim.wait(ms or H.timeout, cond, 20) then timed_out(what) end
end

--- Retry a condition that makes its own (synchronous) requests, every `interval` ms, until a deadline.
function H.poll(what, cond, ms, interval)
  local deadline = vim.uv.now() + (ms or H.timeout)
  while true do
    local v = cond()
    if v then return v end
    if vim.uv.now() >= deadline then timed_out(what) end
    vim.wait(interval or 200)
    vim.uv.update_time()
  end
end

--- The text of the debuglens hover at the cursor of the current window ('' when none).
function H.hover_text(buf, client)
  local res = vim.lsp.buf_request_sync(buf, 'textDocument/hover', function(c)
    return vim.lsp.util.make_position_params(0, c.offset_encoding)
  end, 2000)
  local r = res and res[client.id]
  return r and r.result and H.text_of(r.result.contents) or ''
end

--- Copy examples/checkout to a temp dir (tests may edit files) and make it a project root.
function H.workspace()
  local src = vim.env.DEBUGLENS_NVIM_WORKSPACE or (H.repo .. '/examples/checkout')
  local dst = vim.fn.tempname() .. '-checkout'
  vim.fn.mkdir(dst, 'p')
  local out = vim.fn.system({ 'cp', '-R', src .. '/.', dst })
  if vim.v.shell_error ~= 0 then H.fail('copy workspace: ' .. out) end
  vim.fn.mkdir(dst .. '/.git', 'p') -- root_markers: the copy is its own project, as the checkout is in a repo
  H.root = dst
  return dst
end

--- Load the plugin the way a plugin manager would, then enable the config: with setup(opts), or with
--- the README's one line `vim.lsp.enable('debuglens')` when opts is the string 'enable'.
function H.setup(opts)
  -- no remote-plugin providers: ftplugin/python.vim's has('python3') would spend ~2 s probing for one
  for _, p in ipairs({ 'python3', 'ruby', 'node', 'perl' }) do vim.g['loaded_' .. p .. '_provider'] = 0 end
  vim.opt.runtimepath:prepend(H.plugin)
  vim.cmd('runtime! plugin/debuglens.lua')
  vim.cmd('runtime! ftdetect/debuglens.lua') -- `nvim -l` turned filetype detection on before rtp had us
  vim.cmd('filetype on')
  vim.lsp.log.set_level(vim.log.levels.DEBUG)
  vim.o.columns, vim.o.lines = 160, 50
  if opts == 'enable' then
    vim.lsp.enable('debuglens')
  else
    require('debuglens').setup(opts or {})
  end
end

--- Open a workspace file and wait for the debuglens client to attach.
function H.open(rel)
  vim.cmd.edit(vim.fn.fnameescape(H.root .. '/' .. rel))
  local buf = vim.api.nvim_get_current_buf()
  H.wait('debuglens to attach to ' .. rel .. ' (filetype ' .. vim.bo[buf].filetype .. ')', function()
    local c = vim.lsp.get_clients({ bufnr = buf, name = 'debuglens' })[1]
    return c ~= nil and c.initialized
  end)
  return buf, vim.lsp.get_clients({ bufnr = buf, name = 'debuglens' })[1]
end

--- Fail fast, with a clear message, when the server does not offer an LSP method the test needs.
function H.require_method(client, buf, method)
  if not client:supports_method(method, buf) then
    H.fail(('the server does not support %s (server capabilities: %s)'):format(
      method, vim.inspect(vim.tbl_keys(client.server_capabilities or {}))))
  end
end

--- Fail fast when the server does not advertise one of its own commands.
function H.require_command(client, command)
  local cmds = vim.tbl_get(client.server_capabilities or {}, 'executeCommandProvider', 'commands') or {}
  if not vim.tbl_contains(cmds, command) then
    H.fail(('the server does not advertise the command %s (it offers: %s)'):format(command, vim.inspect(cmds)))
  end
end

--- The 1-based line in buffer `buf` holding the traceback frame of `file` (e.g. 'clients/inventory.py').
function H.frame_line(buf, file)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local path, lnum = line:match('File "([^"]+)", line (%d+)')
    if path and vim.endswith(path, '/' .. file) then return i, tonumber(lnum), line:find(path, 1, true) end
  end
  H.fail('no frame for ' .. file)
end

--- Line `n` (1-based) of a workspace file, trimmed.
function H.source_line(rel, n)
  return vim.trim(vim.fn.readfile(H.root .. '/' .. rel)[n])
end

function H.text_of(contents)
  if type(contents) == 'string' then return contents end
  if contents.value then return contents.value end
  local parts = {}
  for _, c in ipairs(contents) do parts[#parts + 1] = H.text_of(c) end
  return table.concat(parts, '\n')
end

function H.done()
  for _, c in ipairs(vim.lsp.get_clients()) do c:stop() end
  vim.wait(3000, function() return #vim.lsp.get_clients() == 0 end, 20)
  vim.fn.delete(H.root, 'rf')
  H.say('PASS')
  os.exit(0)
end

--- Run a test body; any Lua error is a failure with the LSP log attached.
function H.run(body)
  local ok, err = xpcall(body, debug.traceback)
  if not ok then H.fail(tostring(err)) end
  H.done()
end

return H
