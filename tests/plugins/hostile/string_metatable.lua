-- string_metatable.lua: reaches the string table through the string metatable
return {
  id = "string_metatable",
  title = "Hostile: string_metatable",
  description = "reaches the string table through the string metatable",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    getmetatable("").__index.upper = function() return "pwned" end
    return 1
  end,
}
