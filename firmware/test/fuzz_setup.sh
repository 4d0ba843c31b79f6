#!/usr/bin/env bash
# What `make fuzz` and `make fuzz-coverage` need, installed when missing, and found:
#   clang with libFuzzer and the sanitizers (its runtime, compiler-rt), and for coverage
#   llvm-profdata and llvm-cov of the same LLVM version.
# On Debian 12 these are the packages clang, libclang-rt-dev (libFuzzer and the sanitizer
# runtimes; clang alone cannot link -fsanitize=fuzzer) and llvm; they are installed as root or
# through sudo. Elsewhere install the equivalents and put clang on PATH.
#
# Prints one line on stdout, for the Makefile: CC PROFDATA COV (the last two may be "-").
# Usage: fuzz_setup.sh [--coverage]
set -euo pipefail

want_cov=0
[ "${1:-}" = "--coverage" ] && want_cov=1

probe_cc() {
  local src=/tmp/synergy-fuzz-probe-$$.c out=/tmp/synergy-fuzz-probe-$$
  echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$src"
  for cc in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
    if command -v "$cc" >/dev/null 2>&1 &&
      "$cc" -fsanitize=fuzzer,address,undefined -fprofile-instr-generate -fcoverage-mapping -o "$out" "$src" >/dev/null 2>&1; then
      rm -f "$src" "$out"
      command -v "$cc"
      return 0
    fi
  done
  rm -f "$src" "$out"
  return 1
}

# llvm-profdata / llvm-cov of clang's major version (llvm-cov-14), else the unversioned ones.
probe_tool() {
  local tool=$1 major=$2
  for t in "$tool-$major" "$tool"; do
    if command -v "$t" >/dev/null 2>&1; then
      command -v "$t"
      return 0
    fi
  done
  return 1
}

install_debian() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "fuzz: needs clang with libFuzzer and compiler-rt (and llvm-profdata, llvm-cov for coverage); install them and put clang on PATH" >&2
    exit 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "fuzz: need root (or sudo) to install clang, libclang-rt-dev and llvm" >&2; exit 1
    fi
  fi
  echo "fuzz: installing clang, libclang-rt-dev and llvm (Debian packages)" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-dev llvm >&2
}

cc=$(probe_cc) || { install_debian; cc=$(probe_cc) || { echo "fuzz: clang still cannot link -fsanitize=fuzzer" >&2; exit 1; }; }
major=$("$cc" -dumpversion | cut -d. -f1)
profdata=$(probe_tool llvm-profdata "$major" || true)
cov=$(probe_tool llvm-cov "$major" || true)
if [ "$want_cov" = 1 ] && { [ -z "$profdata" ] || [ -z "$cov" ]; }; then
  install_debian
  profdata=$(probe_tool llvm-profdata "$major") && cov=$(probe_tool llvm-cov "$major") || {
    echo "fuzz: llvm-profdata and llvm-cov (version $major) are missing" >&2; exit 1; }
fi
echo "$cc ${profdata:--} ${cov:--}"
