-- Go to definition on a traceback frame jumps into clients/inventory.py at the frame's line.
local H = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/helpers.lua')
H.run(function()
  H.workspace()
  H.setup()
  local buf, client = H.open('notes/incident.md')
  H.require_method(client, buf, 'textDocument/definition')
  local line, lnum, col = H.frame_line(buf, 'clients/inventory.py')
  local want = vim.fs.normalize(H.root .. '/clients/inventory.py')
  H.poll('a jump to ' .. want .. ':' .. lnum, function()
    if vim.api.nvim_get_current_buf() == buf then -- not jumped yet: (re)ask, the server may still be indexing
      vim.api.nvim_win_set_cursor(0, { line, col })
      vim.lsp.buf.definition()
      vim.wait(300)
    end
    local name = vim.fs.normalize(vim.api.nvim_buf_get_name(0))
    return name == want and vim.api.nvim_win_get_cursor(0)[1] == lnum
  end)
  H.say(('definition OK: clients/inventory.py:%d'):format(lnum))
end)
