-- infinite_loop.lua: an endless loop in compute
return {
  id = "infinite_loop",
  title = "Hostile: infinite_loop",
  description = "an endless loop in compute",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    while true do end
  end,
}
