-- gc_finalizer.lua: a finalizer that loops (finalizers run without hooks)
setmetatable({}, { __gc = function() while true do end end })
return {
  id = "gc_finalizer",
  title = "Hostile: gc_finalizer",
  description = "a finalizer that loops (finalizers run without hooks)",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return 1
  end,
}
