-- funding_source_diversity.lua: how many kinds of source fund the city's innovation work.
return {
  id = "funding_source_diversity",
  title = "Funding source diversity",
  description = "How many kinds of source fund the city's innovation work (municipal budget, "
    .. "national or regional government, philanthropy, private sector, international "
    .. "organisations).",
  title_fr = "Diversité des sources de financement",
  description_fr = "Le nombre de types de sources qui financent le travail d’innovation de la ville (budget "
    .. "municipal, gouvernement national ou régional, philanthropie, secteur privé, organisations "
    .. "internationales).",
  unit = "count",
  higher_is_better = true,
  version = "1.0",
  inputs = { "funding_sources" },
  compute = function(city)
    local sources = city.answers.funding_sources
    if sources == nil then return nil end
    return #sources
  end,
}
