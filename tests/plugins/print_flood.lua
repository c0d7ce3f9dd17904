-- print_flood.lua: prints without end; print only fills the preview's bounded log
-- (100 lines of 200 characters, then "… truncated"), never a descriptor.
return {
  id = "print_flood",
  title = "Prints without end",
  description = "print is bounded: 100 lines of 200 characters.",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    for i = 1, 50 do print(string.rep("\1\n", 3) .. string.rep("é", 300)) end
    return 1
  end,
}
