-- debuglens for Neovim >= 0.11: setup(), and commands that run the server's own commands at the cursor.
local M = {}

M.name = 'debuglens'

--- Client-side options of setup(); everything in `settings` goes to the server (section `debuglens`):
--- debounceMs, maxFileBytes, pathMappings, exclude, disabledRules, reportSequentialByDesign,
--- remoteCalls, batchLimit, assumedCallLatencyMs, plansFolder, llm = { endpoint, model, apiKeyEnv }.
---@class debuglens.Opts
---@field cmd? string[]|string  server argv, or the path of the binary (`lsp` is appended)
---@field extra_args? string[]  appended to the argv, e.g. { '--log-file', '/tmp/debuglens.log' }
---@field settings? table       server settings
---@field filetypes? string[]   replaces the default filetypes
---@field enable? boolean       call vim.lsp.enable('debuglens') (default true)

local function resolve_cmd(opts)
  local cmd = opts.cmd
  if type(cmd) == 'string' then
    cmd = { cmd, 'lsp' }
  elseif cmd == nil then
    local env = vim.env.DEBUGLENS_SERVER_PATH
    if type(vim.g.debuglens_cmd) == 'table' then
      cmd = vim.g.debuglens_cmd
    elseif type(vim.g.debuglens_cmd) == 'string' and vim.g.debuglens_cmd ~= '' then
      cmd = { vim.g.debuglens_cmd, 'lsp' }
    elseif env and env ~= '' then
      cmd = { env, 'lsp' }
    end
  end
  if cmd and opts.extra_args then cmd = vim.list_extend(vim.deepcopy(cmd), opts.extra_args) end
  return cmd
end

---@param opts? debuglens.Opts
function M.setup(opts)
  opts = opts or {}
  local cfg = {}
  local cmd = resolve_cmd(opts)
  if cmd then cfg.cmd = cmd end
  if opts.filetypes then cfg.filetypes = opts.filetypes end
  if opts.settings then
    cfg.init_options = opts.settings
    cfg.settings = { debuglens = opts.settings }
  end
  vim.lsp.config(M.name, cfg)
  M.create_commands()
  if opts.enable ~= false then vim.lsp.enable(M.name) end
end

--- Change server settings at run time: sent with workspace/didChangeConfiguration.
---@param settings table
function M.set_settings(settings)
  vim.lsp.config(M.name, { init_options = settings, settings = { debuglens = settings } })
  for _, client in ipairs(vim.lsp.get_clients({ name = M.name })) do
    client.settings = { debuglens = settings }
    client:notify('workspace/didChangeConfiguration', { settings = client.settings })
  end
end

local function client_for(bufnr)
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = M.name })[1]
  if not client then
    vim.notify('debuglens: no debuglens client for this buffer (is the server installed? :checkhealth vim.lsp)',
      vim.log.levels.WARN)
  end
  return client
end

--- Run one of the server's commands with `{ uri, position }` at the cursor of the current window.
---@param command string
---@param on_result fun(result: any, client: vim.lsp.Client)
function M.execute_at_cursor(command, on_result)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = client_for(bufnr)
  if not client then return end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local args = { uri = params.textDocument.uri, position = params.position }
  client:request('workspace/executeCommand', { command = command, arguments = { args } }, function(err, result)
    if err then
      vim.notify(('debuglens: %s failed: %s'):format(command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    on_result(result, client)
  end, bufnr)
end

local function markdown_of(result)
  if type(result) == 'string' then return result end
  if type(result) == 'table' then
    for _, key in ipairs({ 'value', 'markdown', 'contents' }) do
      if type(result[key]) == 'string' then return result[key] end
    end
  end
end

--- Show markdown in a floating window at the cursor (filetype markdown). Returns its buffer and window.
function M.show_float(markdown)
  local lines = vim.split(markdown, '\n', { plain = true })
  local buf, win = vim.lsp.util.open_floating_preview(lines, 'markdown', {
    border = 'rounded',
    focus_id = 'debuglens-explain',
    max_width = math.max(60, math.floor(vim.o.columns * 0.6)),
    max_height = math.max(10, math.floor(vim.o.lines * 0.6)),
  })
  vim.wo[win].linebreak = true -- explanations are prose: wrap at words
  return buf, win
end

--- Show markdown in a new split (for drafts that are longer than a float).
local function show_split(title, markdown)
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.api.nvim_buf_set_name(buf, 'debuglens://' .. title)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(markdown, '\n', { plain = true }))
  vim.bo[buf].filetype = 'markdown'
end

--- :DebuglensExplain: the server's explanation of the trace or loop under the cursor, in a float.
function M.explain()
  M.execute_at_cursor('debuglens.explain', function(result)
    local md = markdown_of(result)
    if not md or md == '' then
      vim.notify('debuglens: nothing to explain here (put the cursor on a stack trace or a flagged loop)')
      return
    end
    M.show_float(md)
  end)
end

--- :DebuglensOpenFrame: the server opens the innermost workspace frame (window/showDocument).
function M.open_frame()
  M.execute_at_cursor('debuglens.openInnermostFrame', function(result, client)
    -- Servers may also answer with the location instead of calling showDocument.
    if type(result) == 'table' and (result.uri or result.targetUri) then
      vim.lsp.util.show_document(result, client.offset_encoding, { focus = true })
    end
  end)
end

local function draft(command, title)
  return function()
    M.execute_at_cursor(command, function(result, client)
      local md = markdown_of(result)
      if md then
        show_split(title, md)
      elseif type(result) == 'table' and result.uri then
        vim.lsp.util.show_document(result, client.offset_encoding, { focus = true })
      end
    end)
  end
end

M.draft_plan = draft('debuglens.draftInvestigationPlan', 'investigation-plan.md')
M.draft_report = draft('debuglens.draftIncidentReport', 'incident-report.md')

--- :DebuglensRestart: stop the debuglens clients and start them again for the open buffers.
function M.restart()
  local clients = vim.lsp.get_clients({ name = M.name })
  for _, c in ipairs(clients) do c:stop() end
  vim.wait(3000, function()
    for _, c in ipairs(clients) do
      if not c:is_stopped() then return false end
    end
    return true
  end, 20)
  vim.lsp.enable(M.name, false)
  vim.lsp.enable(M.name)
end

function M.create_commands()
  local cmd = vim.api.nvim_create_user_command
  cmd('DebuglensExplain', M.explain, { desc = 'debuglens: explain the trace or loop under the cursor' })
  cmd('DebuglensOpenFrame', M.open_frame, { desc = 'debuglens: open the innermost frame of the trace' })
  cmd('DebuglensDraftPlan', M.draft_plan, { desc = 'debuglens: draft an investigation plan' })
  cmd('DebuglensDraftReport', M.draft_report, { desc = 'debuglens: draft an incident report' })
  cmd('DebuglensRestart', M.restart, { desc = 'debuglens: restart the language server' })
end

return M
