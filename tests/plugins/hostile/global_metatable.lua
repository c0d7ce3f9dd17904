-- global_metatable.lua: a metatable on _G whose __index loops
setmetatable(_G, { __index = function() while true do end end })
return {
  id = "global_metatable",
  title = "Hostile: global_metatable",
  description = "a metatable on _G whose __index loops",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return undefined_global
  end,
}
