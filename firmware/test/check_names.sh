#!/bin/sh
# Every external symbol the firmware defines carries the prefix syn_, so that the core links beside
# vendor code, libc and a host program without a clash. Usage: check_names.sh NM OBJECT...
# Exits 1 naming each object and symbol that breaks the rule.
#
# The exceptions are names something else fixes: main; the C library's hooks (_sbrk) and the
# functions the compiler may call (memcpy, memset, memmove, memcmp); CMSIS's Reset_Handler and
# *_IRQHandler; libFuzzer's LLVMFuzzerTestOneInput.
nm_tool=$1
shift
[ $# -gt 0 ] || { echo "check_names.sh: no objects given" >&2; exit 2; }
bad=$("$nm_tool" -A -g --defined-only "$@" | awk '
  NF == 3 {
    obj = $1; sub(/:[0-9a-fA-F]+$/, "", obj); s = $3
    if (s ~ /^syn_/ || s == "main" || s == "_sbrk" || s == "Reset_Handler" || s ~ /_IRQHandler$/ ||
        s ~ /^mem(cpy|set|move|cmp)$/ || s == "LLVMFuzzerTestOneInput") next
    printf "%s: %s\n", obj, s
  }')
if [ -n "$bad" ]; then
  echo "firmware symbols without the syn_ prefix (firmware/test/check_names.sh):" >&2
  echo "$bad" >&2
  exit 1
fi
