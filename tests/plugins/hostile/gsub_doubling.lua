-- gsub_doubling.lua: a string doubled by gsub until it is too large
return {
  id = "gsub_doubling",
  title = "Hostile: gsub_doubling",
  description = "a string doubled by gsub until it is too large",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local s = "x"
    for i = 1, 64 do s = s:gsub(".", "%0%0") end
    return #s
  end,
}
