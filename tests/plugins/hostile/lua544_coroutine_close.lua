-- lua544_coroutine_close.lua: Lua 5.4.4 bug: a chain of coroutine.close overflows the C stack (the library is gone)
return {
  id = "lua544_coroutine_close",
  title = "Hostile: lua544_coroutine_close",
  description = "Lua 5.4.4 bug: a chain of coroutine.close overflows the C stack (the library is gone)",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local coro = false
    for i = 1, 1000 do
      local previous = coro
      coro = coroutine.create(function()
        local cc <close> = setmetatable({}, { __close = function()
          if previous then coroutine.close(previous) end
        end })
        coroutine.yield()
      end)
      coroutine.resume(coro)
    end
    return coroutine.close(coro) and 1 or 0
  end,
}
