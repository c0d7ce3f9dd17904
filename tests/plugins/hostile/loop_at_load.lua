-- loop_at_load.lua: an endless loop while the file loads
while true do end
return {
  id = "loop_at_load",
  title = "Hostile: loop_at_load",
  description = "an endless loop while the file loads",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return 1
  end,
}
