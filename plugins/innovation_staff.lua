-- innovation_staff.lua: staff of the city's innovation teams, summed over the three it may name.
return {
  id = "innovation_staff",
  title = "Innovation staff",
  description = "People working in the city's innovation teams: the staff of up to three "
    .. "teams, added up. No value when no team's staff was given.",
  title_fr = "Personnel d’innovation",
  description_fr = "Les personnes qui travaillent dans les équipes d’innovation de la ville : l’effectif "
    .. "de trois équipes au plus, additionné. Aucune valeur quand l’effectif d’aucune équipe "
    .. "n’a été donné.",
  unit = "count",
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
    if not answered then return nil end
    return total
  end,
}
