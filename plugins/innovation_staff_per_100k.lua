-- innovation_staff_per_100k.lua: innovation staff per 100,000 inhabitants.
return {
  id = "innovation_staff_per_100k",
  title = "Innovation staff per 100,000 inhabitants",
  description = "People working in the city's innovation teams (up to three teams, added up) "
    .. "per 100,000 inhabitants. No value without staff figures or a population.",
  title_fr = "Personnel d’innovation pour 100 000 habitants",
  description_fr = "Les personnes qui travaillent dans les équipes d’innovation de la ville (trois équipes au "
    .. "plus, additionnées) pour 100 000 habitants. Aucune valeur sans effectifs ni population.",
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
