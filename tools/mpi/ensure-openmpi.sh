#!/bin/sh
# Makes Open MPI usable for data-parallel training (`mpirun -np N dotnet bertcore.dll pretrain ...`): installs
# Debian's openmpi-bin and libopenmpi-dev with apt-get when mpirun or libmpi.so.40 is missing.
# Exits 0 when MPI is usable; otherwise non-zero with a one-line reason on stdout (the tests skip with it).
set -u

usable() {
    command -v mpirun >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q 'libmpi\.so\.40 '
}

if usable; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Open MPI is missing (mpirun or libmpi.so.40) and there is no apt-get to install it"
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
    else
        echo "Open MPI is missing (mpirun or libmpi.so.40); installing it needs root: apt-get install openmpi-bin libopenmpi-dev"
        exit 1
    fi
else SUDO=""
fi
log=$(mktemp)
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openmpi-bin libopenmpi-dev; } >"$log" 2>&1; then
    echo "apt-get install openmpi-bin libopenmpi-dev failed: $(tail -n 1 "$log")"
    rm -f "$log"
    exit 1
fi
rm -f "$log"
if usable; then exit 0; fi
echo "openmpi-bin and libopenmpi-dev are installed, but mpirun or libmpi.so.40 is still not found"
exit 1
