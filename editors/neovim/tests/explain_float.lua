-- :DebuglensExplain on the traceback's exception line opens a markdown float naming the exception.
local H = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/helpers.lua')
H.run(function()
  H.workspace()
  H.setup()
  local buf, client = H.open('notes/incident.md')
  H.require_command(client, 'debuglens.explain')
  -- the last exception line of the traceback (the one the request failed with)
  local line, exception
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local name = l:match('^%s*[%w_.]-([%w_]*Error)%s*:?') or l:match('^%s*[%w_.]-([%w_]*Exception)%s*:?')
    if name and not l:match('^%s*raise') then line, exception = i, name end
  end
  assert(line, 'no exception line in notes/incident.md')
  local float_text
  H.poll('a floating window mentioning ' .. exception, function()
    if vim.api.nvim_get_current_buf() == buf then -- (re)ask: the server may still be indexing
      vim.api.nvim_win_set_cursor(0, { line, 0 })
      vim.cmd('DebuglensExplain')
      vim.wait(300)
    end
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        local fbuf = vim.api.nvim_win_get_buf(win)
        float_text = table.concat(vim.api.nvim_buf_get_lines(fbuf, 0, -1, false), '\n')
        if vim.bo[fbuf].filetype == 'markdown' and float_text:find(exception, 1, true) then return true end
      end
    end
  end)
  H.say(('explain OK: float mentions %s (%d chars)'):format(exception, #float_text))
end)
