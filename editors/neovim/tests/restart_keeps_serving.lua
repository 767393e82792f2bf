-- :DebuglensRestart replaces the client, and the new one answers hovers on the traceback.
local H = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/helpers.lua')
H.run(function()
  H.workspace()
  H.setup()
  local buf, before = H.open('notes/incident.md')
  vim.cmd('DebuglensRestart')
  local after
  H.wait('a new debuglens client', function()
    after = vim.lsp.get_clients({ bufnr = buf, name = 'debuglens' })[1]
    return after and after.id ~= before.id and after.initialized
  end)
  assert(before:is_stopped(), 'old client still running')
  H.require_method(after, buf, 'textDocument/hover')
  local line, lnum, col = H.frame_line(buf, 'clients/inventory.py')
  local expected = H.source_line('clients/inventory.py', lnum)
  vim.api.nvim_win_set_cursor(0, { line, col })
  H.poll('a hover from the restarted server containing "' .. expected .. '"', function()
    return H.hover_text(buf, after):find(expected, 1, true) ~= nil
  end)
  H.say(('restart OK: client %d -> %d'):format(before.id, after.id))
end)
