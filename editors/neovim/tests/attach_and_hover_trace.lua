-- Open the incident notes (markdown with a pasted Python traceback): the client attaches, and a hover
-- on the clients/inventory.py frame shows that frame's source line. Set up with the README's one line,
-- vim.lsp.enable('debuglens') (the server comes from $DEBUGLENS_SERVER_PATH).
local H = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/helpers.lua')
H.run(function()
  H.workspace()
  H.setup('enable')
  local buf, client = H.open('notes/incident.md')
  assert(vim.bo[buf].filetype == 'markdown', 'filetype ' .. vim.bo[buf].filetype)
  H.say('attached: ' .. client.name .. ' root ' .. tostring(client.root_dir))
  H.require_method(client, buf, 'textDocument/hover')

  local line, lnum, col = H.frame_line(buf, 'clients/inventory.py')
  local expected = H.source_line('clients/inventory.py', lnum)
  vim.api.nvim_win_set_cursor(0, { line, col })
  local text = ''
  H.poll(function() return ('a hover containing "%s" (last hover: %q)'):format(expected, text) end, function()
    text = H.hover_text(buf, client)
    return text:find(expected, 1, true) ~= nil
  end)
  H.say('hover OK: ' .. expected)
end)
