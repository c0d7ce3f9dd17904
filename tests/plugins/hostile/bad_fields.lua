-- bad_fields.lua: a misspelt field (higher_is_beter) is refused rather than ignored
return {
  id = "bad_fields", title = "Typo", description = "A misspelt field.", unit = "count",
  higher_is_beter = true, version = "1.0", inputs = {},
  compute = function(city) return 1 end,
}
