-- load_bytecode.lua: loads a binary chunk through load
return {
  id = "load_bytecode",
  title = "Hostile: load_bytecode",
  description = "loads a binary chunk through load",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return load("\27Lua\84\0\25\147\13\10\26\10\4\8\8")()
  end,
}
