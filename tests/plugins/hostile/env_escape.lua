-- env_escape.lua: searches _ENV, _G and every reachable table for a way out
local forbidden = {
  os = true, io = true, debug = true, package = true, require = true, load = true,
  loadfile = true, dofile = true, collectgarbage = true, warn = true,  -- print is the bounded log
  dump = true, loadstring = true, module = true, setfenv = true, getfenv = true,
  newproxy = true, gcinfo = true, loadlib = true, sethook = true, getregistry = true,
}
local seen, found = {}, {}
local function walk(t, path)
  if seen[t] then return end
  seen[t] = true
  for k, v in pairs(t) do
    if forbidden[k] then found[#found + 1] = path .. "." .. tostring(k) end
    if type(v) == "table" then walk(v, path .. "." .. tostring(k)) end
  end
  local mt = getmetatable(t)
  if type(mt) == "table" then walk(mt, path .. ":mt") end
end
walk(_ENV, "_ENV")
walk(_G, "_G")
local smt = getmetatable("")
if type(smt) == "table" then walk(smt, "string-metatable") end
if #found > 0 then error("escape: found " .. table.concat(found, ", ")) end
error("no escape found")
return {
  id = "env_escape",
  title = "Hostile: env_escape",
  description = "searches _ENV, _G and every reachable table for a way out",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return 1
  end,
}
