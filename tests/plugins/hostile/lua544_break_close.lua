-- lua544_break_close.lua: Lua 5.4.4 bug: break may leave a to-be-closed variable of a generic for unclosed (reached, harmless)
return {
  id = "lua544_break_close",
  title = "Hostile: lua544_break_close",
  description = "Lua 5.4.4 bug: break may leave a to-be-closed variable of a generic for unclosed (reached, harmless)",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local closed = false
    local o1 = setmetatable({}, { __close = function() closed = true end })
    for k, v in next, {}, nil, o1 do
      local function f() return k end
      break
    end
    error("reached the end: closed " .. tostring(closed))
  end,
}
