-- training_investment.lua: does the city's innovation funding pay for training staff?
return {
  id = "training_investment",
  title = "Funding for training and capacity",
  description = "Whether the city's innovation funding pays for training staff and building "
    .. "capacity: 1 for yes, 0 for no. The option first appears in the 2020 questionnaire, "
    .. "so earlier waves have no value.",
  title_fr = "Financement de la formation et des capacités",
  description_fr = "Le financement de l’innovation de la ville sert-il à former le personnel et à renforcer "
    .. "les capacités ? 1 pour oui, 0 pour non. L’option apparaît dans le questionnaire de "
    .. "2020 : les vagues antérieures n’ont pas de valeur.",
  unit = "share",
  higher_is_better = true,
  version = "1.0",
  inputs = { "funded_activities" },
  compute = function(city)
    -- Before 2020 a city could not pick the option: a 0 there would be a false "no".
    if city.survey == nil or city.survey < "2020" then return nil end
    local activities = city.answers.funded_activities
    if activities == nil then return nil end
    for _, activity in ipairs(activities) do
      if activity == "training_capacity" then return 1 end
    end
    return 0
  end,
}
