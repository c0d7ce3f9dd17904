-- close_loop.lua: a to-be-closed variable whose __close loops
return {
  id = "close_loop",
  title = "Hostile: close_loop",
  description = "a to-be-closed variable whose __close loops",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local x <close> = setmetatable({}, { __close = function() while true do end end })
    return 1
  end,
}
