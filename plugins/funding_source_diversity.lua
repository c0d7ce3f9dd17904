-- funding_source_diversity.lua: how many kinds of source fund the city's innovation work.
return {
  id = "funding_source_diversity",
  title = "Funding source diversity",
  description = "How many kinds of source fund the city's innovation work (municipal budget, "
    .. "national or regional government, philanthropy, private sector, international "
    .. "organisations).",
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
