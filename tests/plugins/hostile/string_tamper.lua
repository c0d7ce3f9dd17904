-- string_tamper.lua: rewrites the string library and the globals' metatable.  It is allowed to:
-- the state is its own, and the next plugin must not see any of it.
string.rep = function() return "tampered" end
string.upper = nil
table.concat = function() return "tampered" end
math.random = function() return 4 end
setmetatable(_G, { __index = function() return "tampered" end })
return {
  id = "string_tamper",
  title = "Hostile: string_tamper",
  description = "Tampers with its own libraries.",
  unit = "number",
  higher_is_better = true,
  version = "1.0",
  inputs = {},
  compute = function(city)
    return #(("x"):rep(3))
  end,
}
