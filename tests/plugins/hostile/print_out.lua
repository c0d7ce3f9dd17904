-- print_out.lua: writes to standard output
return {
  id = "print_out",
  title = "Hostile: print_out",
  description = "writes to standard output",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    print("hello")
    return 1
  end,
}
