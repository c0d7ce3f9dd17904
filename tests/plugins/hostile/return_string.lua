-- return_string.lua: compute returns a string
return {
  id = "return_string",
  title = "Hostile: return_string",
  description = "compute returns a string",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return "5"
  end,
}
