-- tostring_address.lua: tostring of a table, a function and a string function: no address
return {
  id = "tostring_address",
  title = "Hostile: tostring_address",
  description = "tostring of a table, a function and a string function: no address",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = { "dedicated_funding" },
  compute = function(city)
    error("texts: " .. tostring({}) .. " " .. tostring(tostring) .. " " .. tostring(string.len)
      .. " " .. string.format("%s", {}) .. " " .. string.format("%5s|%s", function() end, {}))
  end,
}
