-- explicit_strategy.lua: does the city have an explicit innovation strategy? 1 yes, 0 no.
return {
  id = "explicit_strategy",
  title = "Explicit innovation strategy",
  description = "Whether the city has an explicit innovation strategy: 1 for yes, 0 for no. "
    .. "Averaged over a cohort it is the share of cities with a strategy.",
  title_fr = "Stratégie d’innovation explicite",
  description_fr = "La ville a-t-elle une stratégie d’innovation explicite ? 1 pour oui, 0 pour non. "
    .. "En moyenne sur une cohorte, c’est la part des villes dotées d’une stratégie.",
  unit = "share",
  higher_is_better = true,
  version = "1.0",
  inputs = { "explicit_strategy" },
  compute = function(city)
    local v = city.answers.explicit_strategy
    if v == nil then return nil end
    return v and 1 or 0
  end,
}
