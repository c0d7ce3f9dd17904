-- format_p.lua: string.format with %p would print an address
return {
  id = "format_p",
  title = "Hostile: format_p",
  description = "string.format with %p would print an address",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return #string.format("%p", {})
  end,
}
