-- Headless Neovim 0.11 end-to-end test:
--   DJSEC_BIN=/path/to/djsec nvim --headless -u NONE -l editors/neovim/test/djsec_test.lua PROJECT
-- PROJECT is a scratch copy of a Django project with blog/views.py (DJS101 on line 5) and
-- blog/templates/blog/greet.html. Uses the shipped lsp/djsec.lua and the README's filetype rule,
-- waits for DJS101, applies the quick-fix through vim.lsp.buf.code_action and checks the buffer;
-- then undoes the fix and checks that `enable = false` sent with workspace/didChangeConfiguration
-- clears DJS101 and `enable = true` brings it back; that mysite/settings.py, never opened, gets
-- its DJS401 published (workspace diagnostics of a push client); and that `:checkhealth djsec`
-- reports no error. Prints "RESULT <part> PASS|FAIL" per part and exits 1 on any failure.

local function log(...)
  io.stdout:write(table.concat(vim.tbl_map(tostring, { ... }), ' ') .. '\n')
end

local function fail(msg)
  error(msg, 0)
end

local project, buf, client

local function djs101()
  return vim.tbl_filter(function(d)
    return d.source == 'djsec' and d.code == 'DJS101'
  end, vim.diagnostic.get(buf))
end

local function text()
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

local function quick_fix()
  project = assert(_G.arg[1], 'usage: nvim --headless -u NONE -l djsec_test.lua PROJECT')
  local bin = assert(os.getenv('DJSEC_BIN'), 'set DJSEC_BIN')
  local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
  local neovim_dir = vim.fn.fnamemodify(here, ':h')

  -- What a user does: the config dir on 'runtimepath', the README's filetype rule, enable.
  vim.opt.runtimepath:prepend(neovim_dir)
  vim.cmd('filetype on') -- -u NONE and -l leave filetype detection off
  vim.filetype.add({ pattern = { ['.*/templates/.*%.html'] = { 'htmldjango', { priority = 100 } } } })
  vim.lsp.config('djsec', { cmd = { bin, 'server' } })
  vim.lsp.enable('djsec')

  local shipped = dofile(neovim_dir .. '/lsp/djsec.lua')
  if not vim.deep_equal(shipped.cmd, { 'djsec', 'server' }) then
    fail('lsp/djsec.lua cmd is ' .. vim.inspect(shipped.cmd))
  end

  -- 1. The Python file: attach, root, DJS101.
  vim.cmd('edit ' .. vim.fn.fnameescape(project .. '/blog/views.py'))
  buf = vim.api.nvim_get_current_buf()
  if vim.bo[buf].filetype ~= 'python' then
    fail('views.py has filetype ' .. vim.bo[buf].filetype)
  end
  if not vim.wait(10000, function()
    client = vim.lsp.get_clients({ bufnr = buf, name = 'djsec' })[1]
    return client ~= nil and client.initialized
  end, 20) then
    fail('djsec did not attach to views.py within 10s')
  end
  log('attached: ' .. client.name .. ' root_dir=' .. tostring(client.root_dir))
  if vim.fs.normalize(client.root_dir or '') ~= vim.fs.normalize(vim.uv.fs_realpath(project)) then
    fail('root_dir ' .. tostring(client.root_dir) .. ' is not the project (manage.py) ' .. project)
  end

  if not vim.wait(10000, function() return #djs101() > 0 end, 20) then
    fail('no DJS101 within 10s; diagnostics: ' .. vim.inspect(vim.diagnostic.get(buf)))
  end
  local d = djs101()[1]
  log(('DJS101 at line %d col %d: %s'):format(d.lnum + 1, d.col + 1, d.message))
  if d.lnum ~= 4 then
    fail('DJS101 is on line ' .. (d.lnum + 1) .. ', expected 5')
  end

  -- 2. The user's path: cursor on the call, `gra` = vim.lsp.buf.code_action, pick the fix.
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local titles = {}
  vim.lsp.buf.code_action({
    context = { only = { 'quickfix' } },
    filter = function(action)
      table.insert(titles, action.title)
      return vim.startswith(action.title, 'Replace mark_safe')
    end,
    apply = true,
  })
  local want = 'format_html("<b>{}</b>", name)'
  if not vim.wait(10000, function() return text():find(want, 1, true) ~= nil end, 20) then
    fail('quick-fix not applied within 10s; actions seen: ' .. vim.inspect(titles) .. '\nbuffer:\n' .. text())
  end
  log('actions offered: ' .. table.concat(titles, ' | '))
  if not vim.iter(titles):any(function(t) return t:find('Suppress DJS101', 1, true) ~= nil end) then
    fail('"Suppress DJS101 on this line" was not offered: ' .. vim.inspect(titles))
  end
  if not text():find('from django.utils.html import format_html', 1, true) then
    fail('import not added:\n' .. text())
  end
  if text():find('mark_safe(', 1, true) then
    fail('mark_safe( still called:\n' .. text())
  end
  if not vim.wait(10000, function() return #djs101() == 0 end, 20) then
    fail('DJS101 still reported after the fix')
  end
  log('buffer after the fix:\n' .. text())

  -- 3. A template with only {{ }} is htmldjango thanks to the filetype rule, and djsec attaches.
  vim.cmd('edit ' .. vim.fn.fnameescape(project .. '/blog/templates/blog/greet.html'))
  local tbuf = vim.api.nvim_get_current_buf()
  if vim.bo[tbuf].filetype ~= 'htmldjango' then
    fail('greet.html has filetype ' .. vim.bo[tbuf].filetype)
  end
  if not vim.wait(5000, function()
    return #vim.lsp.get_clients({ bufnr = tbuf, name = 'djsec' }) == 1
  end, 20) then
    fail('djsec did not attach to the template')
  end
  if #vim.lsp.get_clients({ name = 'djsec' }) ~= 1 then
    fail('expected one djsec client for the project, got ' .. #vim.lsp.get_clients({ name = 'djsec' }))
  end
  log('template: filetype htmldjango, same djsec client attached')
end

-- What a user does to change settings at run time: update client.settings and notify.
local function set_settings(djsec)
  client.settings = { djsec = djsec }
  client:notify('workspace/didChangeConfiguration', { settings = client.settings })
end

local function settings()
  vim.api.nvim_set_current_buf(buf)
  vim.cmd('silent undo')
  if not vim.wait(10000, function() return #djs101() > 0 end, 20) then
    fail('DJS101 not back after undoing the fix; buffer:\n' .. text())
  end
  set_settings({ enable = false })
  if not vim.wait(10000, function() return #djs101() == 0 end, 20) then
    fail('DJS101 still shown 10s after didChangeConfiguration { enable = false }')
  end
  set_settings({ enable = true })
  if not vim.wait(10000, function() return #djs101() > 0 end, 20) then
    fail('DJS101 not back 10s after didChangeConfiguration { enable = true }')
  end
  log('settings: enable=false cleared DJS101, enable=true brought it back')
end

-- A settings module never opened: its findings are published once the project is indexed.
local function workspace()
  local found
  if not vim.wait(20000, function()
    for _, d in ipairs(vim.diagnostic.get(nil)) do
      local name = vim.api.nvim_buf_get_name(d.bufnr)
      if d.code == 'DJS401' and name:match('mysite/settings%.py$') then
        found = { d = d, name = name }
        return true
      end
    end
    return false
  end, 50) then
    fail('no DJS401 for mysite/settings.py within 20s; diagnostics: ' .. vim.inspect(vim.diagnostic.get(nil)))
  end
  if vim.api.nvim_buf_is_loaded(found.d.bufnr) then
    fail('mysite/settings.py was loaded, not only published: ' .. found.name)
  end
  log(('workspace: DJS401 on line %d of %s (never opened)'):format(found.d.lnum + 1, found.name))
end

-- `:checkhealth djsec` finds the server and the template rule, and reports no error.
local function checkhealth()
  vim.cmd('checkhealth djsec')
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  log('checkhealth:\n' .. report)
  for _, want in ipairs({ 'djsec: the server', 'OK djsec ', 'templates/**/*.html files are htmldjango', 'root ' }) do
    if not report:find(want, 1, true) then
      fail('checkhealth lacks "' .. want .. '"')
    end
  end
  if report:find('ERROR', 1, true) then
    fail('checkhealth reports an error')
  end
  vim.cmd('tabclose')
end

local code = 0
for _, part in ipairs({
  { 'quick-fix', quick_fix },
  { 'settings', settings },
  { 'workspace', workspace },
  { 'checkhealth', checkhealth },
}) do
  local ok, err = xpcall(part[2], debug.traceback)
  if ok then
    log('RESULT ' .. part[1] .. ' PASS')
  else
    code = 1
    log(tostring(err))
    log('RESULT ' .. part[1] .. ' FAIL ' .. tostring(err):match('^[^\n]*'))
    if part[1] == 'quick-fix' then
      break -- the later parts build on it
    end
  end
end
for _, c in ipairs(vim.lsp.get_clients()) do
  c:stop()
end
vim.wait(2000, function() return #vim.lsp.get_clients() == 0 end, 20)
io.stdout:flush()
os.exit(code)
