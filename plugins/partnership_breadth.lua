-- partnership_breadth.lua: how many kinds of partner the city works with.
return {
  id = "partnership_breadth",
  title = "Partnership breadth",
  description = "How many kinds of partner the city innovates with plus how many kinds it "
    .. "shares data with, counting the questions it answered. No value when it answered "
    .. "neither.",
  title_fr = "Étendue des partenariats",
  description_fr = "Le nombre de types de partenaires avec lesquels la ville innove, plus le nombre de types "
    .. "avec lesquels elle partage des données, selon les questions auxquelles elle a répondu. "
    .. "Aucune valeur quand elle n’a répondu à aucune des deux.",
  unit = "count",
  higher_is_better = true,
  version = "1.0",
  inputs = { "partnerships", "data_partnerships" },
  compute = function(city)
    local a = city.answers
    if a.partnerships == nil and a.data_partnerships == nil then return nil end
    return #(a.partnerships or {}) + #(a.data_partnerships or {})
  end,
}
