-- xpcall_handler_loop.lua: an endless loop in the body and in the message handler of an xpcall
return {
  id = "xpcall_handler_loop",
  title = "Hostile: xpcall_handler_loop",
  description = "an endless loop in the body and in the message handler of an xpcall",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    xpcall(function() while true do end end, function(e) while true do end end)
    return 1
  end,
}
