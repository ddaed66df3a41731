#!/usr/bin/env bash
# A longer seeded fuzz campaign over the parsers of user files (tests/BertCore.Tests/Fuzzing), through the hidden
# FuzzCampaign test. Writes report.txt and, for each failing case, its input, minimized input and problem.
#
#   tools/fuzz/run.sh [--cases N] [--seed S] [--parser NAME[,NAME...]] [--out DIR] [--no-build]
#
# Defaults: 2000 cases per parser, seed 1, every parser, out ./fuzz-out. Parser names are those of
# FuzzTargets.All (safetensors, config, vocab, tokenizer, tsv, squad, token-cache, ...). Exits non-zero on any
# failing case. The same seed and case count give the same cases.
set -euo pipefail
cd "$(dirname "$0")/../.."

cases=2000 seed=1 parser=all out=fuzz-out build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cases) cases="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --parser) parser="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ $build == 1 ]]; then
  dotnet build tests/BertCore.Tests -c Release -nologo -v q
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
status=0
BERTCORE_FUZZ_CASES="$cases" BERTCORE_FUZZ_SEED="$seed" BERTCORE_FUZZ_PARSER="$parser" BERTCORE_FUZZ_OUT="$out" \
  dotnet test tests/BertCore.Tests -c Release --no-build --filter "FullyQualifiedName~Fuzzing.FuzzCampaign" \
  --logger "console;verbosity=minimal" > "$out/dotnet-test.log" 2>&1 || status=$?
cat "$out/report.txt" 2>/dev/null || tail -40 "$out/dotnet-test.log"
if [[ $status != 0 ]]; then
  echo "fuzz campaign failed (exit $status): failing inputs under $out/failures, test log $out/dotnet-test.log" >&2
fi
exit $status
