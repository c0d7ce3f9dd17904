-- syntax_error.lua: does not parse (line 3)
return {
  id = = "syntax_error",
}
