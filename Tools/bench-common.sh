# Shared by the benchmark scripts (sourced, not run).

# populate_library FILE ANNOTATIONS DOCUMENTS
# Fills FILE with `marginalia-populate` (from $bin), checkpointed so that a
# copy of the file alone is the whole library. With $cache set, a library of
# the same size is made once and copied from there afterwards: at a million
# annotations, making one takes longer than the benchmarks that use it.
populate_library() {
  local file=$1 annotations=$2 documents=$3
  local cached="${cache:-}/library-$annotations-$documents.sqlite"
  if [ -n "${cache:-}" ] && [ -f "$cached" ] && [ "$cached" -nt "$bin/marginalia-populate" ]; then
    cp "$cached" "$file"
    return
  fi
  "$bin/marginalia-populate" --library "$file" --annotations "$annotations" --documents "$documents"
  sqlite3 "$file" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
  if [ -n "${cache:-}" ]; then
    mkdir -p "$cache" && cp "$file" "$cached.partial" && mv "$cached.partial" "$cached"
  fi
}

# baseline_insert FILE
# Prints the SQL of the `annotate` baselines (Tools/bench-annotate,
# Tools/bench-floor): one annotation row like the one `annotate --at` keeps,
# on doc-0, by FILE's reader.
baseline_insert() {
  local file=$1 reader clock
  reader=$(sqlite3 "$file" "SELECT reader_id FROM local_replica")
  clock=$(sqlite3 "$file" "SELECT clock + 1 FROM local_replica")
  echo "INSERT INTO annotations (id, document_id, text_hash, quote_exact, quote_prefix, quote_suffix, position_start, position_end, body, body_heads, motivation, visibility, created_by, created_hlc, updated_hlc, deleted) SELECT lower(hex(randomblob(16))), 'doc-0', current_text, 'a quote of sixty code points, more or less, as annotate keeps', 'thirty-two code points of prefix', 'thirty-two code points of suffix', 100, 160, 'bench', 1, 'commenting', 'shared', '$reader', $clock, $clock, 0 FROM documents WHERE id = 'doc-0'"
}
