-- coroutine_loop.lua: an endless loop inside a coroutine, resumed again whenever it stops
return {
  id = "coroutine_loop",
  title = "Hostile: coroutine_loop",
  description = "an endless loop inside a coroutine, resumed again whenever it stops",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    while true do
      local co = coroutine.wrap(function() while true do end end)
      pcall(co)
    end
  end,
}
