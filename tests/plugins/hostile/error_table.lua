-- error_table.lua: an error object that is a plain table
return {
  id = "error_table",
  title = "Hostile: error_table",
  description = "an error object that is a plain table",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    error({ code = 42 })
  end,
}
