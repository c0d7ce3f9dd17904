-- duplicate_id.lua: two metrics with the same id in one file
local function metric()
  return {
    id = "duplicate_id", title = "Twice", description = "Declared twice.", unit = "count",
    higher_is_better = true, version = "1.0", inputs = {},
    compute = function(city) return 1 end,
  }
end
return { metric(), metric() }
