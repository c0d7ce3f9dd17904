-- return_nothing.lua: a file that declares no metric
local x = 1
