-- lua544_env_const.lua: Lua 5.4.4 bug CVE-2022-28805: wrong code when _ENV is <const> (patched in Debian 5.4.4-2)
return {
  id = "lua544_env_const",
  title = "Hostile: lua544_env_const",
  description = "Lua 5.4.4 bug CVE-2022-28805: wrong code when _ENV is <const> (patched in Debian 5.4.4-2)",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local function foo()
      local _ENV <const> = 11
      X = "hi"
    end
    foo()
    return 1
  end,
}
