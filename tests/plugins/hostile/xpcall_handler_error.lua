-- xpcall_handler_error.lua: an error in the body, then an endless loop in the message handler
return {
  id = "xpcall_handler_error",
  title = "Hostile: xpcall_handler_error",
  description = "an error in the body, then an endless loop in the message handler",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    xpcall(function() error("x") end, function(e) while true do end end)
    return 1
  end,
}
