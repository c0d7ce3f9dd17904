-- missing_field.lua: declares no compute
return {
  id = "missing_field",
  title = "Hostile: missing_field",
  description = "declares no compute",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
}
