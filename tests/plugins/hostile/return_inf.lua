-- return_inf.lua: compute returns math.huge
return {
  id = "return_inf",
  title = "Hostile: return_inf",
  description = "compute returns math.huge",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return math.huge
  end,
}
