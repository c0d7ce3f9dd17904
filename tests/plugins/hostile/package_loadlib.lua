-- package_loadlib.lua: loads a C library
return {
  id = "package_loadlib",
  title = "Hostile: package_loadlib",
  description = "loads a C library",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    package.loadlib("libc.so.6", "system")("id")
    return 1
  end,
}
