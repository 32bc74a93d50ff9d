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
