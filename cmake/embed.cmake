# Turns every file of DIR into a C string in OUT: { name, contents, size, mode }
# entries, sorted by name. The includer defines struct dd_recipe_file first
# (lib/image/recipe.h).
file(GLOB files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
set(body "/* generated from lib/image/recipe by cmake/embed.cmake; do not edit */\n")
string(APPEND body "static const struct dd_recipe_file dd_recipe_files[] = {\n")
foreach(f ${files})
  if(IS_DIRECTORY ${DIR}/${f})
    continue()
  endif()
  file(READ ${DIR}/${f} hex HEX)
  # Every byte as \xNN: no escaping rules to get wrong, any content embeds.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  # Executables keep their mode inside the image (and the mode is hashed).
  execute_process(COMMAND test -x ${DIR}/${f} RESULT_VARIABLE notexec)
  if(notexec)
    set(mode 0644)
  else()
    set(mode 0755)
  endif()
  file(SIZE ${DIR}/${f} size)
  string(APPEND body "\t{ \"${f}\", \"${escaped}\", ${size}, ${mode} },\n")
endforeach()
string(APPEND body "};\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
