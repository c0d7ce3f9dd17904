-- debug_sethook.lua: removes the instruction hook
return {
  id = "debug_sethook",
  title = "Hostile: debug_sethook",
  description = "removes the instruction hook",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    debug.sethook()
    while true do end
  end,
}
