-- deep_recursion.lua: unbounded recursion
return {
  id = "deep_recursion",
  title = "Hostile: deep_recursion",
  description = "unbounded recursion",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local function f(n) return 1 + f(n + 1) end
    return f(1)
  end,
}
