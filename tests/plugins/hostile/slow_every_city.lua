-- slow_every_city.lua: stays under the per-call budget but exhausts the total (about 4 million
-- instructions a call: the default total of 200 million runs out within 50 city-waves)
return {
  id = "slow_every_city",
  title = "Hostile: slow_every_city",
  description = "stays under the per-call budget but exhausts the total",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local x = 0
    for i = 1, 2000000 do x = x + i end
    return x % 7
  end,
}
