-- return_table.lua: compute returns a table
return {
  id = "return_table",
  title = "Hostile: return_table",
  description = "compute returns a table",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return {}
  end,
}
