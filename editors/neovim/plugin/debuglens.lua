-- User commands exist as soon as the plugin is on 'runtimepath'; the LSP config is enabled by the
-- user (vim.lsp.enable('debuglens') or require('debuglens').setup()).
if vim.g.loaded_debuglens then return end
vim.g.loaded_debuglens = true
require('debuglens').create_commands()
