-- string_dump.lua: dumps a function to bytecode
return {
  id = "string_dump",
  title = "Hostile: string_dump",
  description = "dumps a function to bytecode",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return #string.dump(function() end)
  end,
}
