-- Neovim has no filetype for plain log files; give them one so debuglens can attach to pasted traces.
vim.filetype.add({
  extension = { log = 'log' },
  pattern = { ['.*%.log%.%d+'] = 'log' }, -- rotated logs: app.log.1
})
