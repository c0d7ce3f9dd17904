-- table_bomb.lua: a table that grows until memory runs out
return {
  id = "table_bomb",
  title = "Hostile: table_bomb",
  description = "a table that grows until memory runs out",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local t = {}
    for i = 1, 1e9 do t[i] = { i } end
    return #t
  end,
}
