#!/usr/bin/env bash
# Vector search: int8's recall@k against exact fp32 (a measurement: any machine), then the latency of exact top-10 over
# 100,000 vectors of 384 dimensions, fp32 and int8, one query and a batch of 64 (BenchmarkDotNet: a quiet machine).
# Usage: tools/bench/vector-search.sh [recall|latency|both=both]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
what=${1:-both}
project="$repo/benchmarks/BertCore.Benchmarks"
dotnet build "$project" -c Release -nologo -v q >/dev/null
if [ "$what" != latency ]; then
  dotnet "$project/bin/Release/net10.0/BertCore.Benchmarks.dll" recall
fi
if [ "$what" != recall ]; then
  (cd "$project" && dotnet bin/Release/net10.0/BertCore.Benchmarks.dll --filter '*VectorSearchBenchmarks*')
fi
