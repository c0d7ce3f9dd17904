-- concat_big.lua: megabyte concatenations: little Lua, much work in C
return {
  id = "concat_big",
  title = "Hostile: concat_big",
  description = "megabyte concatenations: little Lua, much work in C",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local s = ("y"):rep(1048576)
    local t = ""
    while true do t = s .. t:sub(1, 8) end
  end,
}
