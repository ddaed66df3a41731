#!/usr/bin/env bash
# Runs the GPU checks on a bare NVIDIA machine (driver, Python with PyTorch; no .NET SDK, no network), from a copy of
# this repository with the .gpu/ folder that tools/gpu/pack.sh made beside the sources:
#   bash tools/gpu/device-run.sh [STEP ...]
# Steps (default: all, in this order): info ptxas tests workbench bench peer; also profile (per-kernel times of a
# step under Nsight Compute) and demo (the main job on the GPU and the CPU). Everything printed also goes to $OUT/log (default /tmp/gpu-out/log).
# KERNEL=gemm|attention|... limits the workbench to one kernel; GPU_TESTS=all runs the simulator tests there too.
set -uo pipefail
steps=${*:-info ptxas tests workbench bench peer}
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out" /tmp/dn
exec > >(tee -a "$out/log") 2>&1
tar -C /tmp/dn -xJf .gpu/dotnet-*.tar.xz
tar -xJf .gpu/app.tar.xz   # the Release builds into their bin folders of this checkout
export DOTNET_ROOT=/tmp/dn PATH=/tmp/dn:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
cli=src/BertCore.Cli/bin/Release/net10.0/bertcore.dll
tests=tests/BertCore.Tests/bin/Release/net10.0
workbench=benchmarks/BertCore.Benchmarks/bin/Release/net10.0/BertCore.Benchmarks.dll
stamp() { echo "==== $* ($(date +%T))"; }
for step in $steps; do
  case $step in
    info)
      stamp info
      nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
      dotnet $cli devices ;;
    ptxas)
      stamp "ptxas resource report (sm_90)"
      dotnet $workbench gpu --ptx /tmp/ptx >/dev/null
      for f in /tmp/ptx/*.ptx; do
        echo "$(basename "$f" .ptx): $(ptxas -arch=sm_90 -v "$f" -o /dev/null 2>&1 | grep -o 'Used [0-9]* registers.*\|[0-9]* bytes spill.*' | tr '\n' ' ')"
      done ;;
    tests)
      # The CUDA facts; GPU_TESTS=all adds the simulator tests of BertCore.Tests.Gpu (about 3 minutes).
      if [ "${GPU_TESTS:-cuda}" = all ]; then filter="-namespace BertCore.Tests.Gpu"; else filter="-class BertCore.Tests.Gpu.CudaTests"; fi
      stamp "tests: $filter"
      DOTNET_ROLL_FORWARD=Major dotnet $tests/xunit-runner/xunit.console.dll $tests/BertCore.Tests.dll \
        $filter -parallel none -verbose -noappdomain 2>&1 | grep -v '\[STARTING\]\|\[FINISHED\]' ;;
    workbench)
      stamp "workbench"
      # ILGPU 1.5.3 binds cuBLAS as libcublas.so.12; CUDA 13 ships libcublas.so.13 with the same v2 entry points.
      blas=$(find /usr/local /opt -name 'libcublas.so.1[23]' 2>/dev/null | head -1)
      if [ -n "$blas" ]; then mkdir -p /tmp/blas && ln -sf "$blas" /tmp/blas/libcublas.so.12 && ln -sf "$(dirname "$blas")"/libcublasLt.so.1[23] /tmp/blas/ 2>/dev/null; fi
      LD_LIBRARY_PATH=/tmp/blas:$(dirname "${blas:-/x}"):${LD_LIBRARY_PATH:-} dotnet $workbench gpu --device cuda --repeat 20 --kernel "${KERNEL:-all}" ;;
    bench)
      stamp "bertcore bench --device cuda"
      for mode in train infer; do
        dotnet $cli bench $mode --model base --batch 32 --seq 128 --steps 20 --device cuda
      done ;;
    profile)
      stamp "kernel times of 3 BERT-base MLM steps (2 warm-up + 1) under Nsight Compute, per step"
      ncu=$(command -v ncu || find /opt /usr/local -name ncu -type f 2>/dev/null | head -1)
      "$ncu" --metrics gpu__time_duration.sum --csv dotnet $cli bench train --model base --batch 32 --seq 128 --steps 1 --device cuda \
        >/tmp/ncu.csv 2>/tmp/ncu.err || tail -5 /tmp/ncu.err
      python3 tools/gpu/kernel_times.py /tmp/ncu.csv 3 | head -30 ;;
    demo)
      # The main job end to end (vocabulary, pretraining, fine-tuning with checkpoints through host copies) on the GPU,
      # and on the CPU beside it for the same table.
      stamp "bertcore demo: --device cuda, and --device cpu in parallel"
      (timeout 170 dotnet $cli demo --device cpu --output /tmp/demo-cpu --log-every 1000 >/tmp/demo-cpu.log 2>&1; echo "cpu demo exit $?" >>/tmp/demo-cpu.log) &
      timeout 170 dotnet $cli demo --device cuda --output /tmp/demo-cuda --log-every 1000 2>&1 | tail -25
      wait
      echo "---- cpu:"; tail -22 /tmp/demo-cpu.log ;;
    peer)
      stamp "PyTorch eager peer"
      PYTHONUNBUFFERED=1 python3 tools/gpu/torch_peer.py all --model base --batch 32 --seq 128 --steps 20 ;;
    *) echo "unknown step $step" ;;
  esac
done
stamp done
