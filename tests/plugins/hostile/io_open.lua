-- io_open.lua: opens a file
return {
  id = "io_open",
  title = "Hostile: io_open",
  description = "opens a file",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local f = io.open("/etc/passwd")
    return #f:read("a")
  end,
}
