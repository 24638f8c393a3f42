#!/usr/bin/env bash
# Prepares what `npm run test:kernel` and `klp-verify kernel` need to run plans on Debian 12's
# Linux 6.1 under QEMU: installs the Debian packages (only with --install, as root), downloads
# the unsigned kernel image package and unpacks it into .cache/kernel/, and extracts the
# uncompressed vmlinux from its xz-compressed bzImage once. Idempotent: a second run does
# nothing that is already done. Prints the paths to give to `klp-verify kernel`.
set -euo pipefail
cd "$(dirname "$0")/../.."

KREL="${KLP_KERNEL_RELEASE:-6.1.0-57-amd64}"
PACKAGES=(qemu-system-x86 "linux-headers-$KREL" linux-kbuild-6.1 gcc-12 make busybox-static cpio kmod xz-utils binutils)
CACHE=.cache/kernel
IMAGE_PKG="linux-image-$KREL-unsigned"

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "${1:-}" = "--install" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root: scripts/kernel/setup.sh --install" >&2
    exit 2
  fi
fi

mkdir -p "$CACHE"
if [ ! -f "$CACHE/vmlinux" ]; then
  deb=$(ls "$CACHE"/"$IMAGE_PKG"_*.deb /work/kpkgs/"$IMAGE_PKG"_*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    (cd "$CACHE" && apt-get download "$IMAGE_PKG")
    deb=$(ls "$CACHE"/"$IMAGE_PKG"_*.deb | head -n 1)
  fi
  rm -rf "$CACHE/image"
  dpkg -x "$deb" "$CACHE/image"
  vmlinuz="$CACHE/image/boot/vmlinuz-$KREL"
  # The bzImage carries its payload as an xz stream: find the stream's magic and decompress
  # from there, as the kernel's scripts/extract-vmlinux does.
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
  tail -c "+$((off + 1))" "$vmlinuz" | xz -dc 2>/dev/null > "$CACHE/vmlinux.tmp" || true
  if ! head -c 4 "$CACHE/vmlinux.tmp" | grep -q 'ELF'; then
    echo "setup: could not extract an ELF vmlinux from $vmlinuz" >&2
    exit 4
  fi
  mv "$CACHE/vmlinux.tmp" "$CACHE/vmlinux"
fi
echo "kernel:     $CACHE/vmlinux"
echo "headers:    /usr/src/linux-headers-$KREL"
