-- require_os.lua: requires a module
return {
  id = "require_os",
  title = "Hostile: require_os",
  description = "requires a module",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local os = require("os")
    return os.time()
  end,
}
