-- The N+1 loop in handlers/checkout.py is flagged; applying the "Batch with ..." code action rewrites
-- it to one check_batch call and the warning goes away.
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
  H.wait(function() return 'the batch rewrite to be applied (code actions seen: ' .. vim.inspect(titles) .. ')' end, function()
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'):find('check_batch', 1, true) ~= nil
  end)
  H.say('rewrite OK: buffer calls check_batch')
  H.wait('the loop-remote-call diagnostic to clear', function() return #loop_diags() == 0 end)
  H.say('diagnostic cleared')
end)
