-- :DebuglensOpenFrame on the traceback opens its innermost workspace frame (clients/inventory.py at the
-- frame's line) through the server's window/showDocument.
local H = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/helpers.lua')
H.run(function()
  H.workspace()
  H.setup()
  local buf, client = H.open('notes/incident.md')
  H.require_command(client, 'debuglens.openInnermostFrame')
  local line, lnum = H.frame_line(buf, 'app.py') -- any line of the traceback
  vim.api.nvim_win_set_cursor(0, { line, 0 })
  local _, want_line = H.frame_line(buf, 'clients/inventory.py')
  local want = vim.fs.normalize(H.root .. '/clients/inventory.py')
  H.poll(function()
    return ('%s:%d to open (current: %s:%d)'):format(want, want_line, vim.api.nvim_buf_get_name(0),
      vim.api.nvim_win_get_cursor(0)[1])
  end, function()
    if vim.api.nvim_get_current_buf() == buf then -- not there yet: (re)ask, the server may still be indexing
      vim.api.nvim_win_set_cursor(0, { line, 0 })
      vim.cmd('DebuglensOpenFrame')
      vim.wait(300)
    end
    return vim.fs.normalize(vim.api.nvim_buf_get_name(0)) == want and vim.api.nvim_win_get_cursor(0)[1] == want_line
  end, nil, 200)
  H.say(('open frame OK: clients/inventory.py:%d (from line %d)'):format(want_line, lnum))
end)
