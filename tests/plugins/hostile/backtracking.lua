-- backtracking.lua: a pattern that backtracks for minutes inside C
return {
  id = "backtracking",
  title = "Hostile: backtracking",
  description = "a pattern that backtracks for minutes inside C",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return string.find(("a"):rep(1000), ".-.-.-b$") or 0
  end,
}
