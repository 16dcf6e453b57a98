# Turns sql/meta/NNN_*.sql and sql/datanode/NNN_*.sql into C++ string constants, so the
# daemons carry their migrations and need no source tree at run time.
# Inputs: SQL_DIR, OUT.
function(embed_dir subdir fn out_var)
  file(GLOB files ${SQL_DIR}/${subdir}/[0-9]*.sql)
  list(SORT files)
  set(body "const std::vector<Migration>& ${fn}() {\n  static const std::vector<Migration> kAll = {\n")
  foreach(f ${files})
    get_filename_component(name ${f} NAME_WE)
    string(REGEX MATCH "^[0-9]+" version ${name})
    math(EXPR version "${version}")
    file(READ ${f} text)
    string(APPEND body "      {${version}, \"${name}\", R\"mqsql(${text})mqsql\"},\n")
  endforeach()
  string(APPEND body "  };\n  return kAll;\n}\n\n")
  set(${out_var} "${body}" PARENT_SCOPE)
endfunction()

embed_dir(meta metaMigrations meta_body)
embed_dir(datanode datanodeMigrations datanode_body)
file(READ ${SQL_DIR}/datanode/partition_table.sql partition_ddl)
file(WRITE ${OUT}.tmp "// Generated from sql/ by cmake/EmbedSql.cmake. Do not edit.\n"
  "#include \"storage/embedded_sql.h\"\n\nnamespace mq {\n\n"
  "${meta_body}${datanode_body}"
  "const std::string& partitionTableTemplate() {\n"
  "  static const std::string kDdl = R\"mqsql(${partition_ddl})mqsql\";\n  return kDdl;\n}\n\n"
  "}  // namespace mq\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
