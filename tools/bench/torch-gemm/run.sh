#!/usr/bin/env bash
# libtorch's GEMM at any shape (TorchGemm, beside this file), built once into $TORCH_GEMM_BIN:
#   run.sh gemm [--m M] [--n N] [--k K] [--trans-a] [--trans-b] [--threads T] [--steps S]
# libtorch's native glue needs a newer C++ runtime than Debian 12 has; the libtorch peer in ../shared/tools/peer-torchsharp
# then runs inside a Debian 13 root folder it makes once ($PEER_ROOT), and so does this tool (the peer is run once to make it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${SHARED:-$here/../../../../shared}
out=${TORCH_GEMM_BIN:-/var/tmp/bertcore-torch-gemm-bin}
root=${PEER_ROOT:-/var/tmp/peer-trixie}
if [ ! -f "$out/TorchGemm.dll" ]; then
  dotnet build "$here/TorchGemm.csproj" -c Release -o "$out" -nologo -v q -p:BaseIntermediateOutputPath="$out/obj/" >/dev/null
fi
native=$(find "$out" "$HOME/.nuget/packages/torchsharp" -name libLibTorchSharp.so 2>/dev/null | head -1)
if [ -n "$native" ] && ldd "$native" 2>/dev/null | grep -q "not found"; then
  [ -x "$root/bin/bash" ] || "$shared/tools/peer-torchsharp/run.sh" gemm --n 64 --steps 1 >/dev/null
  for d in /usr/share/dotnet "$out" "$HOME/.nuget"; do
    mkdir -p "$root$d"; mountpoint -q "$root$d" || mount --bind "$d" "$root$d"
  done
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  exec chroot "$root" /usr/bin/env DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 HOME="$HOME" /usr/share/dotnet/dotnet "$out/TorchGemm.dll" "$@"
fi
exec dotnet "$out/TorchGemm.dll" "$@"
