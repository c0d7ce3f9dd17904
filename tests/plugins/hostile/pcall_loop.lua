-- pcall_loop.lua: an endless loop that keeps catching the budget error
return {
  id = "pcall_loop",
  title = "Hostile: pcall_loop",
  description = "an endless loop that keeps catching the budget error",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    while true do pcall(function() while true do end end) end
  end,
}
