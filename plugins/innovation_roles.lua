-- innovation_roles.lua: how many different innovation skills or roles the city uses.
return {
  id = "innovation_roles",
  title = "Innovation roles",
  description = "How many different innovation skills or roles the city uses: the number it "
    .. "gave, else the number of roles it ticked in the list.",
  title_fr = "Rôles d’innovation",
  description_fr = "Le nombre de compétences ou de rôles d’innovation différents auxquels la ville fait appel : "
    .. "le nombre qu’elle a indiqué, sinon le nombre de rôles cochés dans la liste.",
  unit = "count",
  higher_is_better = true,
  version = "1.0",
  inputs = { "innovation_roles_count", "innovation_roles" },
  compute = function(city)
    local a = city.answers
    -- The count may exceed the roles the list names, so it wins when given.
    if a.innovation_roles_count ~= nil then return a.innovation_roles_count end
    if a.innovation_roles ~= nil then return #a.innovation_roles end
    return nil
  end,
}
