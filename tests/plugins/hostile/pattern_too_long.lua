-- pattern_too_long.lua: a pattern over the sandbox limit
return {
  id = "pattern_too_long",
  title = "Hostile: pattern_too_long",
  description = "a pattern over the sandbox limit",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return string.find("a", ("a?"):rep(200)) or 0
  end,
}
