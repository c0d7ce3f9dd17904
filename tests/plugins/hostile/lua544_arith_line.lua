-- lua544_arith_line.lua: Lua 5.4.4 bug: the wrong line in the error of an arithmetic error (reached, harmless)
return {
  id = "lua544_arith_line",
  title = "Hostile: lua544_arith_line",
  description = "Lua 5.4.4 bug: the wrong line in the error of an arithmetic error (reached, harmless)",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local a = 0
    local b = 1
    local c = b % a
    return c
  end,
}
