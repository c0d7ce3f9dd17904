-- concat_doubling.lua: a string doubled by concatenation until memory runs out
return {
  id = "concat_doubling",
  title = "Hostile: concat_doubling",
  description = "a string doubled by concatenation until memory runs out",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local s = "x"
    while true do s = s .. s end
  end,
}
