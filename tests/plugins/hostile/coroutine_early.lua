-- coroutine_early.lua: a coroutine made at load time that loops when compute resumes it
local co = coroutine.wrap(function() while true do end end)
return {
  id = "coroutine_early",
  title = "Hostile: coroutine_early",
  description = "a coroutine made at load time that loops when compute resumes it",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return co()
  end,
}
