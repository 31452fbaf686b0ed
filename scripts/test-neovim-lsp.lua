-- Run by scripts/test-neovim-lsp.sh inside `nvim --headless`: starts `promgate lsp`
-- with Neovim's built-in client (the 0.7 API: start_client + buf_attach_client),
-- opens the file, waits for its diagnostics and writes what the editor received, one
-- per line, to the output file. Exits 0 when diagnostics came, 3 on a timeout.
local bin = os.getenv("PROMGATE_BIN")
local root = os.getenv("PROMGATE_ROOT")
local file = os.getenv("PROMGATE_FILE")
local out = os.getenv("PROMGATE_OUT")

local client_id = vim.lsp.start_client({
  name = "promgate",
  cmd = { bin, "lsp" },
  root_dir = root,
})
if not client_id then
  io.stderr:write("could not start promgate lsp\n")
  vim.cmd("cquit 2")
end

vim.cmd("edit " .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(bufnr, client_id)

local arrived = vim.wait(20000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)
if not arrived then
  io.stderr:write("no diagnostics within 20 s\n")
  vim.cmd("cquit 3")
end

local lines = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  local lsp = (d.user_data and d.user_data.lsp) or {}
  local code = d.code or lsp.code or "?"
  local href = (lsp.codeDescription and lsp.codeDescription.href) or "-"
  -- lnum and col are 0-based; col counts bytes in Neovim.
  table.insert(lines, string.format("%d:%d %s %d %s %s", d.lnum + 1, d.col, code, d.severity, d.source or "-", href))
end
table.sort(lines)
vim.fn.writefile(lines, out)

vim.lsp.stop_client(client_id)
vim.cmd("qall!")
