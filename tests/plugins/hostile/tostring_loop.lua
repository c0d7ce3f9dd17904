-- tostring_loop.lua: an error object whose __tostring loops
return {
  id = "tostring_loop",
  title = "Hostile: tostring_loop",
  description = "an error object whose __tostring loops",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    error(setmetatable({}, { __tostring = function() while true do end end }))
  end,
}
