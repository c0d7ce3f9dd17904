-- load_text.lua: compiles code at run time
return {
  id = "load_text",
  title = "Hostile: load_text",
  description = "compiles code at run time",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    return load("return 1")()
  end,
}
