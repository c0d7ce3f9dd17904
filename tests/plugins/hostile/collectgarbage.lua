-- collectgarbage.lua: calls collectgarbage
return {
  id = "collectgarbage",
  title = "Hostile: collectgarbage",
  description = "calls collectgarbage",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    collectgarbage("stop")
    return 1
  end,
}
