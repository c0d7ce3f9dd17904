-- string_pack.lua: string.pack is gone
return {
  id = "string_pack",
  title = "Hostile: string_pack",
  description = "string.pack is gone",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return #string.pack("i4", 7)
  end,
}
