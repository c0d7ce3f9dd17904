-- lua544_utf8_codes.lua: Lua 5.4.4 bug: utf8.codes accepts spurious continuation bytes (the library is gone)
return {
  id = "lua544_utf8_codes",
  title = "Hostile: lua544_utf8_codes",
  description = "Lua 5.4.4 bug: utf8.codes accepts spurious continuation bytes (the library is gone)",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local n = 0
    for _, c in utf8.codes("a\x80\x80") do n = n + c end
    return n
  end,
}
