-- `:checkhealth djsec`: what stops djsec from working in Neovim, and what to do about it.
-- Found by Neovim on 'runtimepath' (lua/djsec/health.lua), like lsp/djsec.lua beside it.
local M = {}

local TEMPLATE_RULE =
  "vim.filetype.add({ pattern = { ['.*/templates/.*%.html'] = { 'htmldjango', { priority = 100 } } } })"

local function server()
  vim.health.start('djsec: the server')
  local config = vim.lsp.config and vim.lsp.config.djsec
  if not config then
    vim.health.error('no `djsec` LSP config', {
      "put the djsec repository's editors/neovim on 'runtimepath', or copy lsp/djsec.lua into ~/.config/nvim/lsp/",
    })
    return
  end
  if type(config.cmd) ~= 'table' or type(config.cmd[1]) ~= 'string' then
    vim.health.info('cmd is a function: not checked')
  else
    local exe = vim.fn.exepath(config.cmd[1])
    if exe == '' then
      vim.health.error(('`%s` is not an executable on PATH'):format(config.cmd[1]), {
        'install the server: pip install djsec (or pipx install djsec, uv tool install djsec)',
        "or give its full path: vim.lsp.config('djsec', { cmd = { '/path/to/djsec', 'server' } })",
      })
    else
      local version = vim.fn.system({ exe, '--version' })
      if vim.v.shell_error ~= 0 then
        vim.health.error(('%s --version failed: %s'):format(exe, vim.trim(version)))
      else
        vim.health.ok(('%s (%s)'):format(vim.trim(version), exe))
      end
    end
  end
  if vim.lsp.is_enabled and not vim.lsp.is_enabled('djsec') then
    vim.health.warn('the config is not enabled', { "vim.lsp.enable('djsec')" })
  end
  vim.health.info('filetypes: ' .. table.concat(config.filetypes or {}, ', '))
end

local function templates()
  vim.health.start('djsec: templates')
  local ft = vim.filetype.match({
    filename = '/project/app/templates/app/page.html',
    contents = { '<p>{{ name }}</p>' },
  })
  if ft == 'htmldjango' then
    vim.health.ok('templates/**/*.html files are htmldjango')
  else
    vim.health.warn(
      ('a templates/ file with only {{ }} is `%s`, which djsec does not attach to'):format(tostring(ft)),
      { 'add to init.lua: ' .. TEMPLATE_RULE }
    )
  end
end

local function clients()
  vim.health.start('djsec: running clients')
  local running = vim.lsp.get_clients({ name = 'djsec' })
  if #running == 0 then
    vim.health.info('none: open a Python file or a template of the project')
    return
  end
  for _, c in ipairs(running) do
    local buffers = vim.tbl_keys(c.attached_buffers or {})
    if c.root_dir then
      vim.health.ok(('client %d: root %s, %d buffer(s)'):format(c.id, c.root_dir, #buffers))
    else
      vim.health.warn(
        ('client %d has no root: settings modules and URLconfs are not indexed'):format(c.id),
        { 'open the files from a project with manage.py, pyproject.toml or .git at its root' }
      )
    end
  end
  vim.health.info('log: ' .. vim.lsp.get_log_path() .. " (vim.lsp.log.set_level('debug') for more)")
end

function M.check()
  server()
  templates()
  clients()
end

return M
