-- One debuglens client serves the project's code and its text: markdown notes, Python, a .log file
-- (filetype from ftdetect) and plain text; setup() settings reach the server as initializationOptions.
local H = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/helpers.lua')
H.run(function()
  H.workspace()
  local trace = vim.fn.readfile(H.root .. '/notes/incident.md')
  vim.fn.writefile(trace, H.root .. '/notes/app.log')
  vim.fn.writefile(trace, H.root .. '/notes/pasted.txt')
  H.setup({ settings = { batchLimit = 7, disabledRules = {} } })

  local ids = {}
  for _, f in ipairs({
    { 'notes/incident.md', 'markdown' },
    { 'handlers/checkout.py', 'python' },
    { 'notes/app.log', 'log' },
    { 'notes/pasted.txt', 'text' },
  }) do
    local buf, client = H.open(f[1])
    assert(vim.bo[buf].filetype == f[2], ('%s: filetype %s, want %s'):format(f[1], vim.bo[buf].filetype, f[2]))
    ids[client.id] = true
    H.say(('attached %s (%s)'):format(f[1], f[2]))
  end
  assert(vim.tbl_count(ids) == 1, 'expected one client for the project, got ' .. vim.tbl_count(ids))
  local client = vim.lsp.get_clients({ name = 'debuglens' })[1]
  assert(vim.fs.normalize(client.root_dir) == vim.fs.normalize(H.root), 'root_dir ' .. tostring(client.root_dir))
  assert(client.config.init_options.batchLimit == 7, 'init_options: ' .. vim.inspect(client.config.init_options))
  assert(client.server_capabilities and client.initialized, 'not initialized')
end)
