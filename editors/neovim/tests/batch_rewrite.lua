-- The N+1 loop in handlers/checkout.py is flagged; applying the "Batch with ..." code action rewrites
-- it to one batched call built on check_batch, and the warning goes away.
local H = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/helpers.lua')
H.run(function()
  H.workspace()
  H.setup()
  local buf, client = H.open('handlers/checkout.py')
  local function loop_diags()
    return vim.tbl_filter(function(d)
      return d.source == 'debuglens' and d.code == 'loop-remote-call'
    end, vim.diagnostic.get(buf))
  end
  H.wait('a loop-remote-call diagnostic', function() return #loop_diags() > 0 end)
  local d = loop_diags()[1]
  assert(d.severity == vim.diagnostic.severity.WARN, 'severity ' .. tostring(d.severity))
  H.say(('diagnostic OK: %d:%d %s'):format(d.lnum + 1, d.col, d.message:gsub('\n.*', '')))

  H.require_method(client, buf, 'textDocument/codeAction')
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local titles = {}
  vim.lsp.buf.code_action({
    filter = function(action)
      titles[#titles + 1] = action.title
      return vim.startswith(action.title, 'Batch with')
    end,
    apply = true, -- exactly one match: applied without a prompt
  })
  local function text(b) return table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') end
  local before = text(buf)
  H.wait(function() return 'the batch rewrite to be applied (code actions seen: ' .. vim.inspect(titles) .. ')' end,
    function() return text(buf) ~= before end)
  -- The loop now makes one batched call, and check_batch is used by the edited code: in this buffer or
  -- in a helper the same workspace edit added (e.g. services/inventory.py), never only in the client.
  local handler = text(buf)
  assert(handler:find('check_batch', 1, true) or handler:find('[%w_]+_batch%('), 'no batch call in:\n' .. handler)
  local users = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(b)
    if vim.api.nvim_buf_is_loaded(b) and not vim.endswith(name, 'clients/inventory.py')
      and text(b):find('check_batch', 1, true) then
      users[#users + 1] = vim.fn.fnamemodify(name, ':t')
    end
  end
  assert(#users > 0, 'no edited buffer calls check_batch')
  H.say('rewritten: ' .. (handler:match('[^\n]*_batch%([^\n]*') or '') .. ' (check_batch in ' .. table.concat(users, ', ') .. ')')
  H.wait('the loop-remote-call diagnostic to clear', function() return #loop_diags() == 0 end)
  H.say('diagnostic cleared')
end)
