-- return_nan.lua: compute returns 0/0
return {
  id = "return_nan",
  title = "Hostile: return_nan",
  description = "compute returns 0/0",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return 0/0
  end,
}
