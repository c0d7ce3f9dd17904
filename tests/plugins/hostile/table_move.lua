-- table_move.lua: a table.move over 2^62 slots, all inside C
return {
  id = "table_move",
  title = "Hostile: table_move",
  description = "a table.move over 2^62 slots, all inside C",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    table.move({}, 1, math.maxinteger - 1, 2)
    return 1
  end,
}
