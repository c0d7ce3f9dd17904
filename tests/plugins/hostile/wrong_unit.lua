-- wrong_unit.lua: declares a unit that does not exist
return {
  id = "wrong_unit",
  title = "Hostile: wrong_unit",
  description = "declares a unit that does not exist",
  unit = "kg",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return 1
  end,
}
