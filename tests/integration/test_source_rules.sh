#!/usr/bin/env bash
# Source rules that a compiler does not check (docs: STYLE in the shared
# context): no unbounded string functions in the product's code, and every
# C file opens with a comment that says what the module is for.
set -euo pipefail
NS_SRC=${NS_SRC:?NS_SRC must point to the source tree}
cd "$NS_SRC"
dirs="common formats worker coordinator cli tools"
bad=$(grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets)\(' $dirs --include='*.c' --include='*.h' || true)
if [ -n "$bad" ]; then
  echo "FAIL: banned functions (use snprintf, ns_buf, memcpy with a checked length):" >&2
  echo "$bad" >&2
  exit 1
fi
missing=""
for f in $(find $dirs -name '*.[ch]' | sort); do
  head -c 2 "$f" | grep -q '/\*' || missing="$missing $f"
done
if [ -n "$missing" ]; then
  echo "FAIL: files without a header comment:$missing" >&2
  exit 1
fi
echo PASS
