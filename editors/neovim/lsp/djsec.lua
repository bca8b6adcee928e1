---@brief
---
--- djsec: security diagnostics and quick-fixes for Django code and templates.
---
--- Install the server with `pipx install djsec` or `uv tool install djsec` (`pip install .` or
--- `cargo install --path . --locked` from a checkout), then put this directory on 'runtimepath'
--- (or copy this file into your config's `lsp/` directory) and enable it:
---
--- ```lua
--- vim.lsp.enable('djsec')
--- ```
---
--- Neovim only detects a `*.html` file as `htmldjango` when it sees a `{% tag` or `{#` near the
--- top; to treat every file under a `templates/` directory as a Django template:
---
--- ```lua
--- vim.filetype.add({ pattern = { ['.*/templates/.*%.html'] = { 'htmldjango', { priority = 100 } } } })
--- ```
---
--- Settings go in `init_options.settings` (sent with `initialize`) and `settings.djsec`
--- (sent with `workspace/didChangeConfiguration`):
---
--- ```lua
--- vim.lsp.config('djsec', {
---   init_options = { settings = { select = { 'DJS1' }, severity = { DJS101 = 'error' } } },
--- })
--- ```
---
--- `:checkhealth djsec` (lua/djsec/health.lua beside this directory) tells what is missing.

---@type vim.lsp.Config
return {
  cmd = { 'djsec', 'server' },
  filetypes = { 'python', 'htmldjango' },
  root_markers = { 'manage.py', 'pyproject.toml', '.git' },
  init_options = { settings = {} },
}
