-- string_rep.lua: a one-gigabyte string
return {
  id = "string_rep",
  title = "Hostile: string_rep",
  description = "a one-gigabyte string",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return #string.rep("x", 1e9)
  end,
}
