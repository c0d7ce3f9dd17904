-- innovation_staff_per_100k.lua: innovation staff per 100,000 inhabitants.
return {
  id = "innovation_staff_per_100k",
  title = "Innovation staff per 100,000 inhabitants",
  description = "People working in the city's innovation teams (up to three teams, added up) "
    .. "per 100,000 inhabitants. No value without staff figures or a population.",
  unit = "per_100k",
  higher_is_better = true,
  version = "1.0",
  inputs = { "team1_staff", "team2_staff", "team3_staff" },
  compute = function(city)
    local total, answered = 0, false
    for _, code in ipairs({ "team1_staff", "team2_staff", "team3_staff" }) do
      local n = city.answers[code]
      if n ~= nil then
        total = total + n
        answered = true
      end
    end
    local population = city.population
    if not answered or population == nil or population <= 0 then return nil end
    return total / population * 100000
  end,
}
