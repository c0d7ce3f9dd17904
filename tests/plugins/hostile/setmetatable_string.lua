-- setmetatable_string.lua: gives strings a metatable of its own
return {
  id = "setmetatable_string",
  title = "Hostile: setmetatable_string",
  description = "gives strings a metatable of its own",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    setmetatable("", { __index = function() while true do end end })
    return 1
  end,
}
