-- funding_share.lua: does the city fund innovation from a dedicated budget? 1 yes, 0 no.
return {
  id = "funding_share",
  title = "Dedicated innovation funding",
  description = "Whether the city has dedicated funding for innovation: 1 for yes, 0 for no. "
    .. "Averaged over a cohort it is the share of cities with dedicated funding.",
  title_fr = "Financement dédié à l’innovation",
  description_fr = "La ville dispose-t-elle d’un financement dédié à l’innovation ? 1 pour oui, 0 pour non. "
    .. "En moyenne sur une cohorte, c’est la part des villes dotées d’un financement dédié.",
  unit = "share",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    local v = city.answers.dedicated_funding
    if v == nil then return nil end  -- no answer stays no answer
    return v and 1 or 0
  end,
}
