-- data_sufficiency.lua: in how many policy areas the city finds its data sufficient.
local areas = {
  "data_policing", "data_waste", "data_labour_market", "data_social_inclusion",
  "data_public_works", "data_economic_development", "data_government_finance",
  "data_environment", "data_digital_governance", "data_land_use", "data_social_welfare",
  "data_built_environment",
}

return {
  id = "data_sufficiency",
  title = "Sufficient data",
  description = "Of the twelve policy areas the city rated, the percentage where it finds the "
    .. "data available sufficient. Areas left unanswered do not count; no value when none "
    .. "was rated.",
  title_fr = "Données suffisantes",
  description_fr = "Parmi les douze domaines d’action que la ville a évalués, le pourcentage de ceux où elle "
    .. "juge suffisantes les données disponibles. Les domaines sans réponse ne comptent pas ; "
    .. "aucune valeur quand aucun n’a été évalué.",
  unit = "percent",
  higher_is_better = true,
  version = "1.0",
  inputs = areas,
  compute = function(city)
    local rated, sufficient = 0, 0
    for _, code in ipairs(areas) do
      local v = city.answers[code]
      if v ~= nil then
        rated = rated + 1
        if v == "sufficient" then sufficient = sufficient + 1 end
      end
    end
    if rated == 0 then return nil end
    return 100 * sufficient / rated
  end,
}
