-- funding_share.lua: does the city fund innovation from a dedicated budget? 1 yes, 0 no.
return {
  id = "funding_share",
  title = "Dedicated innovation funding",
  description = "Whether the city has dedicated funding for innovation: 1 for yes, 0 for no. "
    .. "Averaged over a cohort it is the share of cities with dedicated funding.",
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
