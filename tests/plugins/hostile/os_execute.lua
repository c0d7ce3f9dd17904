-- os_execute.lua: runs a shell command
return {
  id = "os_execute",
  title = "Hostile: os_execute",
  description = "runs a shell command",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    os.execute("touch /tmp/citybench-pwned")
    return 1
  end,
}
